# Google's own google.rpc types (Debian's ruby-googleapis-common-protos-types:
# the generated code of googleapis' google/rpc/status.proto and
# error_details.proto, as Ruby gRPC clients use it), for checking the
# service's error model against them.
#
#   ruby google_rpc.rb describe   Google's Status and ErrorInfo definitions, as JSON
#   ruby google_rpc.rb decode     a grpc-status-details-bin value (base64 on
#                                 stdin) decoded with Google's types, as JSON
require 'base64'
require 'json'
require 'google/protobuf/well_known_types'
require 'google/rpc/status_pb'
require 'google/rpc/error_details_pb'

def fields(message)
  message.descriptor.map do |f|
    type = f.type.to_s
    entry = f.subtype if f.type == :message
    # This google-protobuf names map entries ErrorInfo_MapEntry_metadata and
    # exposes no map_entry option: recognise them by that and their key/value.
    if entry && entry.name.include?('MapEntry') && entry.lookup('key') && entry.lookup('value')
      type = "map<#{entry.lookup('key').type},#{entry.lookup('value').type}>"
    elsif entry
      type = entry.name
    end
    { 'name' => f.name, 'number' => f.number, 'type' => type, 'label' => f.label.to_s }
  end
end

case ARGV[0]
when 'describe'
  puts JSON.generate(
    [Google::Rpc::Status, Google::Rpc::ErrorInfo].map do |m|
      { 'message' => m.descriptor.name, 'file' => m.descriptor.file_descriptor.name, 'fields' => fields(m) }
    end
  )
when 'decode'
  status = Google::Rpc::Status.decode(Base64.decode64($stdin.read))
  details = status.details.map do |any|
    info = any.unpack(Google::Rpc::ErrorInfo)
    raise "not an ErrorInfo: #{any.type_url}" unless info
    { 'type_url' => any.type_url, 'reason' => info.reason, 'domain' => info.domain, 'metadata' => info.metadata.to_h }
  end
  puts JSON.generate('code' => status.code, 'message' => status.message, 'details' => details)
else
  warn 'usage: google_rpc.rb describe|decode'
  exit 2
end
