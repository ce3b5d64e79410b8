# Environment for running the platform on this machine (sourced by run-dev.sh and make).
#
# DEBUG=true, and a SECRET_KEY and PERSONAL_DATA_KEY generated once into var/dev.env, so
# a restart keeps the same keys (a new PERSONAL_DATA_KEY would make the encrypted ID
# numbers already stored unreadable). Variables already set in the environment win.

_project_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_dev_env="$_project_dir/var/dev.env"

if [[ ! -s "$_dev_env" ]]; then
    mkdir -p "$_project_dir/var"
    (
        umask 077
        /usr/bin/python3 - >"$_dev_env.tmp" <<'PY'
import secrets

print("# Generated once by scripts/dev-env.sh for the local run; keep it with var/db.sqlite3.")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"PERSONAL_DATA_KEY={secrets.token_urlsafe(32)}")
PY
        mv "$_dev_env.tmp" "$_dev_env"
    )
    echo "dev-env: generated $_dev_env (keys for this machine's local run)"
fi

while IFS='=' read -r _key _value; do
    [[ "$_key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    if [[ -z "${!_key:-}" ]]; then
        export "$_key=$_value"
    fi
done <"$_dev_env"
unset _key _value _dev_env _project_dir

export DEBUG="${DEBUG:-true}"
export PYTHONUNBUFFERED=1
