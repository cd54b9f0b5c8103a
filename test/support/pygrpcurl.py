#!/usr/bin/python3
"""A small stand-in for grpcurl, driven by server reflection alone.

grpcurl is in neither Debian's nor npm's package archives, so the test suite
runs the README's grpcurl commands through this client instead. It takes the
same command form for what the README uses:

    pygrpcurl.py -plaintext [-d JSON] ADDRESS list [SERVICE]
    pygrpcurl.py -plaintext [-d JSON] ADDRESS describe SYMBOL
    pygrpcurl.py -plaintext [-d JSON] ADDRESS SERVICE/METHOD

and, like grpcurl, prints answers as protobuf JSON (lowerCamelCase names,
defaults left out), one message after the other for a stream, prints a
failed call's status and error details on stderr and exits with 64 plus the
status code.

It is a second, independent gRPC implementation (Debian's python3-grpcio,
C-core) and a strict one: it knows no .proto file of the service. It asks
the server's reflection service (grpc.reflection.v1, falling back to
v1alpha as grpcurl does) for files, and builds each file into a fresh
protobuf DescriptorPool (Debian's python3-protobuf, the C++ implementation)
the moment it arrives, so a file whose dependencies were not served before
it, or that names a type its dependencies do not define, fails. The
reflection protocol's own messages come from Debian's grpc-proto package,
compiled with Debian's python3-grpc-tools.

Environment: GRPCURL_REFLECTION=v1alpha uses only v1alpha;
GRPCURL_REDIRECT="A=B" connects to B when the command names address A (so
the README's commands run unchanged against a test server on another port).
"""

import json
import os
import sys
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, text_format

try:  # protobuf >= 4.22
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # Debian 12: protobuf 4.21
    from google.protobuf import message_factory as _mf

    _factory = _mf.MessageFactory()

    def _message_class(desc):
        return _factory.GetPrototype(desc)


GRPC_PROTO_DIR = '/usr/share/grpc-proto'
STATUS_OFFSET = 64
# Go's names of the status codes, as grpcurl prints them.
GO_CODE_NAMES = {
    'OK': 'OK', 'CANCELLED': 'Canceled', 'UNKNOWN': 'Unknown', 'INVALID_ARGUMENT': 'InvalidArgument',
    'DEADLINE_EXCEEDED': 'DeadlineExceeded', 'NOT_FOUND': 'NotFound', 'ALREADY_EXISTS': 'AlreadyExists',
    'PERMISSION_DENIED': 'PermissionDenied', 'RESOURCE_EXHAUSTED': 'ResourceExhausted',
    'FAILED_PRECONDITION': 'FailedPrecondition', 'ABORTED': 'Aborted', 'OUT_OF_RANGE': 'OutOfRange',
    'UNIMPLEMENTED': 'Unimplemented', 'INTERNAL': 'Internal', 'UNAVAILABLE': 'Unavailable',
    'DATA_LOSS': 'DataLoss', 'UNAUTHENTICATED': 'Unauthenticated',
}


class ReflectionError(Exception):
    """An error_response of the reflection service."""

    def __init__(self, code, message):
        super().__init__(f'{message} (code {code})')
        self.code = code


def _reflection_protocol():
    """The reflection protocol's message classes, from Debian's grpc-proto files."""
    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'reflection.pb')
        args = ['protoc', f'-I{GRPC_PROTO_DIR}', f'--descriptor_set_out={out}',
                'grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto']
        if protoc.main(args) != 0:
            raise RuntimeError(f'cannot compile the reflection protocol from {GRPC_PROTO_DIR}')
        with open(out, 'rb') as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
    pool = descriptor_pool.DescriptorPool()
    for file in files:
        pool.AddSerializedFile(file.SerializeToString())
    return {
        version: (
            _message_class(pool.FindMessageTypeByName(f'grpc.reflection.{version}.ServerReflectionRequest')),
            _message_class(pool.FindMessageTypeByName(f'grpc.reflection.{version}.ServerReflectionResponse')),
        )
        for version in ('v1', 'v1alpha')
    }


class Reflector:
    """Asks a server's reflection service and builds what it serves into a strict pool."""

    def __init__(self, channel, version=None):
        self.channel = channel
        self.protocol = _reflection_protocol()
        self.versions = [version] if version else ['v1', 'v1alpha']
        self.pool = descriptor_pool.DescriptorPool()
        # Names of the files built into the pool, in the order they were built.
        self.built = []
        # Every answer's file names, in the order the server sent them.
        self.answers = []

    def ask(self, **field):
        last = None
        for version in list(self.versions):
            request_class, response_class = self.protocol[version]
            call = self.channel.stream_stream(
                f'/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo',
                request_serializer=request_class.SerializeToString,
                response_deserializer=response_class.FromString,
            )
            try:
                response = next(iter(call(iter([request_class(**field)]), timeout=10)))
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.UNIMPLEMENTED and len(self.versions) > 1:
                    self.versions.remove(version)
                    last = err
                    continue
                raise
            if response.HasField('error_response'):
                raise ReflectionError(response.error_response.error_code, response.error_response.error_message)
            return response
        raise last

    def _build(self, response):
        names = []
        for raw in response.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(raw)
            names.append(file.name)
            if file.name not in self.built:
                # Strict: fails unless every dependency was built before.
                self.pool.AddSerializedFile(raw)
                self.built.append(file.name)
        self.answers.append(names)
        return names

    def file_by_name(self, name):
        self._build(self.ask(file_by_filename=name))
        return self.pool.FindFileByName(name)

    def file_containing(self, symbol):
        self._build(self.ask(file_containing_symbol=symbol))
        return self.pool.FindFileContainingSymbol(symbol)

    def services(self):
        return sorted(s.name for s in self.ask(list_services='*').list_services_response.service)

    def service(self, name):
        self.file_containing(name)
        return self.pool.FindServiceByName(name)

    def message(self, name):
        self.file_containing(name)
        return self.pool.FindMessageTypeByName(name)


def _to_json(message, pool):
    return json_format.MessageToJson(message, indent=2, descriptor_pool=pool)


def status_details(reflector, trailing_metadata):
    """The google.rpc.Status of a failed call, decoded with reflected descriptors, as a dict (or None)."""
    raw = dict(trailing_metadata or ()).get('grpc-status-details-bin')
    if raw is None:
        return None
    status = _message_class(reflector.message('google.rpc.Status')).FromString(raw)
    for any_detail in status.details:
        reflector.message(any_detail.type_url.rsplit('/', 1)[-1])
    return json.loads(_to_json(status, reflector.pool))


def _print_error(err, reflector):
    code = err.code()
    lines = ['ERROR:', f'  Code: {GO_CODE_NAMES.get(code.name, code.name)}', f'  Message: {err.details()}']
    try:
        status = status_details(reflector, err.trailing_metadata())
    except Exception as exc:  # the details could not be decoded: say so, like grpcurl
        lines.append(f'  Details: cannot decode: {exc}')
        status = None
    if status and status.get('details'):
        lines.append('  Details:')
        for i, detail in enumerate(status['details'], 1):
            text = json.dumps(detail, indent=2).replace('\n', '\n    \t')
            lines.append(f'  {i})\t{text}')
    print('\n'.join(lines), file=sys.stderr)
    return STATUS_OFFSET + code.value[0]


def invoke(reflector, method_name, data):
    """Calls SERVICE/METHOD with the JSON request `data`; prints each answer. Returns the exit status."""
    service_name, _, method = method_name.replace('/', '.').rpartition('.')
    service = reflector.service(service_name)
    desc = service.methods_by_name.get(method)
    if desc is None:
        print(f'Failed to resolve symbol "{method_name}": no method {method} in {service_name}', file=sys.stderr)
        return 1
    request_class = _message_class(desc.input_type)
    response_class = _message_class(desc.output_type)
    request = json_format.Parse(data or '{}', request_class(), descriptor_pool=reflector.pool)
    path = f'/{service.full_name}/{desc.name}'
    try:
        if desc.server_streaming or desc.client_streaming:
            if desc.client_streaming:
                print(f'{method_name}: client streaming is not supported here', file=sys.stderr)
                return 1
            call = reflector.channel.unary_stream(path, request_serializer=request_class.SerializeToString,
                                                  response_deserializer=response_class.FromString)
            for response in call(request):
                print(_to_json(response, reflector.pool), flush=True)
        else:
            call = reflector.channel.unary_unary(path, request_serializer=request_class.SerializeToString,
                                                 response_deserializer=response_class.FromString)
            print(_to_json(call(request, timeout=30), reflector.pool), flush=True)
    except grpc.RpcError as err:
        return _print_error(err, reflector)
    return 0


def describe(reflector, symbol):
    """Prints the descriptor of a service, method, message or enum (protobuf text format)."""
    reflector.file_containing(symbol)
    pool = reflector.pool
    for kind, find in (('service', pool.FindServiceByName), ('message', pool.FindMessageTypeByName),
                       ('enum', pool.FindEnumTypeByName), ('method', pool.FindMethodByName)):
        try:
            desc = find(symbol)
        except KeyError:
            continue
        if kind == 'method':
            proto = descriptor_pb2.MethodDescriptorProto()
            desc.CopyToProto(proto)
        else:
            proto = {'service': descriptor_pb2.ServiceDescriptorProto, 'message': descriptor_pb2.DescriptorProto,
                     'enum': descriptor_pb2.EnumDescriptorProto}[kind]()
            desc.CopyToProto(proto)
        print(f"{symbol} is {'an' if kind == 'enum' else 'a'} {kind}:")
        print(text_format.MessageToString(proto), end='')
        return 0
    print(f'Failed to resolve symbol "{symbol}"', file=sys.stderr)
    return 1


def main(argv):
    plaintext, data, rest = False, None, []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ('-plaintext', '--plaintext'):
            plaintext = True
        elif arg in ('-d', '--d'):
            i += 1
            data = argv[i]
        elif arg.startswith('-'):
            print(f'unsupported flag {arg}', file=sys.stderr)
            return 2
        else:
            rest.append(arg)
        i += 1
    if not plaintext:
        print('only -plaintext is supported', file=sys.stderr)
        return 2
    if len(rest) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    address, verb, args = rest[0], rest[1], rest[2:]
    redirect = os.environ.get('GRPCURL_REDIRECT', '')
    if '=' in redirect and redirect.split('=', 1)[0] == address:
        address = redirect.split('=', 1)[1]
    version = os.environ.get('GRPCURL_REFLECTION') or None
    with grpc.insecure_channel(address) as channel:
        reflector = Reflector(channel, version)
        try:
            if verb == 'list':
                if args:
                    for m in reflector.service(args[0]).methods:
                        print(m.full_name)
                else:
                    for name in reflector.services():
                        print(name)
                return 0
            if verb == 'describe':
                return describe(reflector, args[0])
            return invoke(reflector, verb, data)
        except ReflectionError as err:
            print(f'Failed to resolve symbol: {err}', file=sys.stderr)
            return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
