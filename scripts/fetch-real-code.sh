#!/usr/bin/env bash
# Fetches the real-code material for `npm run bench:real-code` into $REALCODE_DIR (default
# /tmp/realcode, outside the repository): Debian packages (apt-get download + dpkg-deb -x, nothing
# installed) and npm tarballs (npm pack), each at a pinned version so the figures can be re-checked.
# `tune/` is what the false-alarm work looked at; `holdout/` was kept out of it and measured last.
# `fresh/` came with the ~100 provider rules added in one go (#13 item 3): SDKs of the providers
# those rules name, chosen because their own code is where a rule would misfire; measured once the
# rules were written, never looked at while writing them.
set -euo pipefail
dir=${REALCODE_DIR:-/tmp/realcode}
mkdir -p "$dir/debs" "$dir/npm" "$dir/tune" "$dir/holdout" "$dir/fresh"
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
fresh_debs=(python3-gitlab=1:3.12.0-1 python3-github=1.55-3 python3-docker=5.0.3-1 python3-hvac=0.11.2-1
  ansible-core=2.14.18-0+deb12u2 ruby-octokit=4.20.0-1 python3-kubernetes=22.6.0-2)
fresh_npm=(openai@7.60.0 @slack/web-api@8.2.0 algoliasearch@5.65.1 posthog-node@5.74.0 firebase@13.2.0
  langsmith@0.12.0 @sendgrid/client@8.1.6 mailgun.js@14.0.1 @octokit/rest@22.0.1
  @datadog/browser-core@7.16.2 cohere-ai@8.1.0 @pinecone-database/pinecone@9.0.0 @vercel/sdk@1.28.35)

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
unpack_debs fresh "${fresh_debs[@]}"
unpack_npm fresh "${fresh_npm[@]}"
du -sh "$dir/tune" "$dir/holdout" "$dir/fresh"
