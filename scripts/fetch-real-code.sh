#!/usr/bin/env bash
# Fetches the real-code material for `npm run bench:real-code` into $REALCODE_DIR (default
# /tmp/realcode, outside the repository): Debian packages (apt-get download + dpkg-deb -x, nothing
# installed) and npm tarballs (npm pack), each at a pinned version so the figures can be re-checked.
# `tune/` is what the false-alarm work looked at; `holdout/` was kept out of it and measured last.
set -euo pipefail
dir=${REALCODE_DIR:-/tmp/realcode}
mkdir -p "$dir/debs" "$dir/npm" "$dir/tune" "$dir/holdout"
tune_debs=(python3-django=3:3.2.25-0+deb12u7 python3-boto3=1.26.27+dfsg-1 python3-botocore=1.29.27+repack-1
  python3-requests=2.28.1+dfsg-1 python3-flask=2.2.2-3 php-symfony=5.4.53+dfsg-0+deb12u1
  php-symfony-notifier=5.4.53+dfsg-0+deb12u1 php-symfony-security-core=5.4.53+dfsg-0+deb12u1
  php-symfony-security-csrf=5.4.53+dfsg-0+deb12u1)
holdout_debs=(python3-sqlalchemy=1.4.46+ds1-1 python3-celery=5.2.6-5 python3-kombu=5.2.4-1
  python3-oauthlib=3.2.2-1 python3-jwt=2.6.0-1+deb12u1 php-illuminate-auth=8.83.26+dfsg-2
  php-illuminate-config=8.83.26+dfsg-2 php-illuminate-cookie=8.83.26+dfsg-2
  php-illuminate-encryption=8.83.26+dfsg-2 php-illuminate-session=8.83.26+dfsg-2
  ruby-aws-sdk-core=3.168.1-2 ruby-rails=2:6.1.7.10+dfsg-1~deb12u4)
tune_npm=(express@5.3.0 @aws-sdk/client-secrets-manager@3.1178.0 aws-sdk@2.1693.0 passport@0.7.0 jsonwebtoken@9.0.3)
holdout_npm=(stripe@23.2.0 nodemailer@10.6.1 twilio@6.3.1)

unpack_debs() { # SET PKG=VERSION…
  local set=$1; shift
  for spec in "$@"; do
    local name=${spec%%=*}
    [ -d "$dir/$set/$name" ] && continue
    (cd "$dir/debs" && apt-get download "$spec" >/dev/null 2>&1 || apt-get download "$name" >/dev/null)
    mkdir -p "$dir/$set/$name"
    dpkg-deb -x "$(ls "$dir/debs/${name}_"*.deb | head -1)" "$dir/$set/$name"
  done
}
unpack_npm() { # SET NAME@VERSION…
  local set=$1; shift
  for spec in "$@"; do
    local tgz
    tgz=$(cd "$dir/npm" && npm pack "$spec" --silent | tail -1)
    local name=npm-${tgz%.tgz}
    [ -d "$dir/$set/$name" ] && continue
    mkdir -p "$dir/$set/$name"
    tar xzf "$dir/npm/$tgz" -C "$dir/$set/$name"
  done
}
unpack_debs tune "${tune_debs[@]}"
unpack_debs holdout "${holdout_debs[@]}"
unpack_npm tune "${tune_npm[@]}"
unpack_npm holdout "${holdout_npm[@]}"
du -sh "$dir/tune" "$dir/holdout"
