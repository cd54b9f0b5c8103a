// Original file: proto/mcs/v1/allocator.proto


export interface GetPoolStatsRequest {
}

export interface GetPoolStatsRequest__Output {
}
