#!/usr/bin/env bash
# `make vendor`: fetch the browser assets that GraphiQL and examples/dashboard need from the npm
# registry (`npm pack`, no install, no build) into app/static/vendor/, with their licences, and
# write app/static/vendor/README.md (versions, licences, sizes, SHA-256). The server serves these
# files itself, so GraphiQL works without internet access. To move a version: edit the list below,
# run `make vendor`, try GraphiQL and the dashboard, commit the directory.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=app/static/vendor
# package@version  file-in-package  name-served  licence-file-in-package
ASSETS=(
    "react@18.3.1 umd/react.production.min.js react.production.min.js LICENSE"
    "react-dom@18.3.1 umd/react-dom.production.min.js react-dom.production.min.js LICENSE"
    "graphiql@3.8.3 graphiql.min.js graphiql.min.js LICENSE"
    "graphiql@3.8.3 graphiql.min.css graphiql.min.css LICENSE"
    "@graphiql/plugin-explorer@1.0.4 dist/index.umd.js graphiql-plugin-explorer.umd.js -"
    "@graphiql/plugin-explorer@1.0.4 dist/style.css graphiql-plugin-explorer.css -"
    "graphql-ws@6.4.2 umd/graphql-ws.min.js graphql-ws.min.js LICENSE.md"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$DEST" && mkdir -p "$DEST/licenses"

{
    echo "# Vendored browser assets"
    echo
    echo "Written by \`make vendor\` (scripts/vendor-assets.sh) from the npm registry; do not edit by hand."
    echo "Served by the app under \`/static/vendor/\` for GraphiQL (\`/graphql\`) and \`examples/dashboard/\`."
    echo
    echo "| file | package | licence | bytes | sha256 |"
    echo "|---|---|---|---|---|"
} > "$work/README.md"

for line in "${ASSETS[@]}"; do
    read -r spec path name licence <<<"$line"
    package=${spec%@*}
    dir="$work/$(echo "$spec" | tr '/@' '__')"
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir"
        tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
        tar -xzf "$work/$tarball" -C "$dir"
    fi
    cp "$dir/package/$path" "$DEST/$name"
    licence_name=$(cd "$dir/package" && node -p 'require("./package.json").license')
    licence_file="licenses/$(echo "${package#@}" | tr / _).txt"
    if [ "$licence" != "-" ]; then
        cp "$dir/package/$licence" "$DEST/$licence_file"
    elif [ ! -f "$DEST/$licence_file" ]; then
        # The explorer plugin's package ships no licence file: it comes from the graphql/graphiql
        # monorepo, whose MIT licence graphiql's package carries.
        { echo "$package: $licence_name, from the graphql/graphiql repository; its licence text:"; echo;
          cat "$work/graphiql_3.8.3/package/LICENSE"; } > "$DEST/$licence_file"
    fi
    bytes=$(wc -c < "$DEST/$name" | tr -d ' ')
    sha=$(sha256sum "$DEST/$name" | cut -d' ' -f1)
    echo "| \`$name\` | \`$spec\` \`$path\` | $licence_name ([text]($licence_file)) | $bytes | \`$sha\` |" >> "$work/README.md"
done
cp "$work/README.md" "$DEST/README.md"
echo "vendor: $(ls "$DEST" | wc -l) entries in $DEST ($(du -sh "$DEST" | cut -f1))"
