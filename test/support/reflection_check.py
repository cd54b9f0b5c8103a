#!/usr/bin/python3
"""Checks a server's reflection service with a strict client, and reports.

    reflection_check.py ADDRESS VERSION WORKLOAD    (VERSION: v1 or v1alpha)

Using only what reflection serves (see pygrpcurl.py), it
  - lists the services and resolves each one;
  - asks for every file it was served, by its name, and builds each answer
    alone into a fresh strict DescriptorPool in the order it arrived (a
    file before its dependencies, a missing dependency or an undefined type
    fails);
  - resolves the symbols a client needs: the error model (google.rpc.Status,
    google.rpc.ErrorInfo), nested enums and their values, methods;
  - calls Allocate (for host node-9 and WORKLOAD) and GetPoolStats dynamically from the reflected
    descriptors, and makes a call fail to decode its error details;
  - asks for things that do not exist.
It prints one JSON object with what it saw; the test asserts on it.
"""

import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format

sys.path.insert(0, __import__('os').path.dirname(__file__))
from pygrpcurl import Reflector, ReflectionError, _message_class, status_details  # noqa: E402


def call(reflector, service, method, body):
    desc = reflector.service(service).methods_by_name[method]
    request_class, response_class = _message_class(desc.input_type), _message_class(desc.output_type)
    stub = reflector.channel.unary_unary(f'/{service}/{method}', request_serializer=request_class.SerializeToString,
                                         response_deserializer=response_class.FromString)
    request = json_format.Parse(json.dumps(body), request_class())
    try:
        return {'ok': json.loads(json_format.MessageToJson(stub(request, timeout=10), descriptor_pool=reflector.pool))}
    except grpc.RpcError as err:
        return {'code': err.code().name, 'message': err.details(), 'status': status_details(reflector, err.trailing_metadata())}


def standalone(reflector, name):
    """Asks for one file by name and builds the answer alone, in order, into a fresh pool."""
    response = reflector.ask(file_by_filename=name)
    pool = descriptor_pool.DescriptorPool()
    names = []
    for raw in response.file_descriptor_response.file_descriptor_proto:
        file = descriptor_pb2.FileDescriptorProto.FromString(raw)
        pool.AddSerializedFile(raw)
        names.append({'name': file.name, 'dependencies': list(file.dependency)})
    pool.FindFileByName(name)
    return names


def main(address, version, workload):
    report = {}
    with grpc.insecure_channel(address) as channel:
        reflector = Reflector(channel, version)
        report['services'] = reflector.services()
        report['methods'] = {s: [m.name for m in reflector.service(s).methods] for s in report['services']}
        report['answers'] = {}
        for name in list(reflector.built):
            report['answers'][name] = standalone(reflector, name)
        symbols = {}
        for symbol in ['google.rpc.Status', 'google.rpc.ErrorInfo', 'google.protobuf.Timestamp', 'mcs.v1.Lease.Kind',
                       'mcs.v1.Lease.RANDOM', 'mcs.v1.LeaseEvent.Type', 'mcs.v1.LabelAllocator.Allocate',
                       'mcs.v1.AllocateRequest.host', 'grpc.health.v1.HealthCheckResponse.ServingStatus']:
            symbols[symbol] = reflector.file_containing(symbol).name
        report['symbols'] = symbols
        # Every file any answer carried, now that the error model was asked for too.
        for name in list(reflector.built):
            if name not in report['answers']:
                report['answers'][name] = standalone(reflector, name)
        report['built'] = list(reflector.built)
        error_info = reflector.pool.FindMessageTypeByName('google.rpc.ErrorInfo')
        report['error_info_fields'] = [[f.name, f.number, f.type, f.label] for f in error_info.fields]
        report['error_info_file'] = error_info.file.name
        report['allocate'] = call(reflector, 'mcs.v1.LabelAllocator', 'Allocate', {'host': 'node-9', 'workload_id': workload})
        report['stats'] = call(reflector, 'mcs.v1.LabelAllocator', 'GetPoolStats', {})
        report['refused'] = call(reflector, 'mcs.v1.LabelAllocator', 'Renew', {'lease_id': 'bbbbbbbbbbbbbbbb', 'ttl_seconds': 5})
        missing = {}
        for field, value in [('file_by_filename', 'mcs_v1.proto'), ('file_containing_symbol', 'mcs.v1.NoSuchThing'),
                             ('all_extension_numbers_of_type', 'mcs.v1.NoSuchThing')]:
            try:
                reflector.ask(**{field: value})
                missing[field] = 'answered'
            except ReflectionError as err:
                missing[field] = err.code
        report['missing'] = missing
        report['extension_numbers'] = list(
            reflector.ask(all_extension_numbers_of_type='mcs.v1.Lease').all_extension_numbers_response.extension_number)
        report['version'] = reflector.versions[0]
    print(json.dumps(report))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3])
