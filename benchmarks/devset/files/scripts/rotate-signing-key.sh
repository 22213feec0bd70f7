#!/bin/sh
set -eu
NEW_SIGNING_KEY=$(openssl rand -hex 32)
echo "previous key fingerprint: 5a998cc5d27a7ebd97b7245723015aaf8623fdd249781ab7e538f962fb456ecb"
kubectl create secret generic signing-key --from-literal=key="$NEW_SIGNING_KEY" --dry-run=client -o yaml | kubectl apply -f -
OLD_SIGNING_KEY="UCwxjWYvUtvetdLpnZV/6ctaHR2oUdX9pzBb3H5Lj8E="
