#!/bin/sh
# Certificates without cert-manager: a CA and the webhook's serving
# certificate made with openssl, written as the mcs-webhook-tls Secret, and
# the CA put into both webhook configurations as their caBundle.
#
#   ./make-certs.sh [OUTDIR]        writes OUTDIR (default ./mcs-webhook-certs)/{ca,tls}.{crt,key}
#                                   and OUTDIR/manifests.yaml (Secret + patched webhook.yaml)
#   kubectl apply -f OUTDIR/manifests.yaml
#
# Run it again before tls.crt expires (825 days); the webhook reloads the
# Secret's files when the kubelet updates them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-./mcs-webhook-certs}
service=${MCS_WEBHOOK_SERVICE:-mcs-webhook}
namespace=${MCS_NAMESPACE:-mcs-system}
mkdir -p "$out"
cd "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=mcs-webhook-ca" -keyout ca.key -out ca.crt \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=$service.$namespace.svc" -keyout tls.key -out tls.csr 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\n' \
  "$service" "$namespace" "$service" "$namespace" > tls.ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" -days 825 -extfile tls.ext -out tls.crt 2>/dev/null
rm -f tls.csr tls.ext
b64() { base64 < "$1" | tr -d '\n'; }
ca=$(b64 ca.crt)
{
  printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: mcs-webhook-tls\n  namespace: %s\ntype: kubernetes.io/tls\ndata:\n  tls.crt: %s\n  tls.key: %s\n  ca.crt: %s\n---\n' \
    "$namespace" "$(b64 tls.crt)" "$(b64 tls.key)" "$ca"
  # Each clientConfig gets the caBundle; the cert-manager annotation is dropped.
  sed -e "s|^\( *\)clientConfig:$|\1clientConfig:\n\1  caBundle: $ca|" -e '/cert-manager.io\/inject-ca-from/d' -e '/^  annotations:$/d' "$here/webhook.yaml"
} > manifests.yaml
echo "wrote $out/manifests.yaml (Secret mcs-webhook-tls and the webhook configurations with their caBundle)"
