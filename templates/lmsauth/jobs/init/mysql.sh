{% if LMSAUTH_DATABASE == "mysql" -%}
# Every credential comes from the job's environment: Tutor prints this script.
client_config=$(mktemp)
trap 'rm -f "$client_config"' EXIT
printf '[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\n' \
    "$LMSAUTH_MYSQL_ROOT_USERNAME" "$LMSAUTH_MYSQL_ROOT_PASSWORD" \
    "$LMSAUTH_MYSQL_HOST" "$LMSAUTH_MYSQL_PORT" > "$client_config"
attempt=0
until error=$(mysql --defaults-extra-file="$client_config" -e 'exit' 2>&1)
do
    case "$error" in
        *"Access denied"*)
            echo "lmsauth: MySQL refused the root credentials (MYSQL_ROOT_USERNAME," \
                "MYSQL_ROOT_PASSWORD): $error" >&2
            exit 1
            ;;
    esac
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 10 ]; then
        echo "lmsauth: MySQL at $LMSAUTH_MYSQL_HOST:$LMSAUTH_MYSQL_PORT is unreachable: $error" >&2
        exit 1
    fi
    echo "lmsauth: waiting for MySQL ($attempt/10)"
    sleep 10
done
mysql --defaults-extra-file="$client_config" <<SQL
CREATE DATABASE IF NOT EXISTS $LMSAUTH_MYSQL_DATABASE;
CREATE USER IF NOT EXISTS '$LMSAUTH_MYSQL_USERNAME'@'%' IDENTIFIED BY '$LMSAUTH_MYSQL_PASSWORD';
ALTER USER '$LMSAUTH_MYSQL_USERNAME'@'%' IDENTIFIED BY '$LMSAUTH_MYSQL_PASSWORD';
GRANT ALL ON $LMSAUTH_MYSQL_DATABASE.* TO '$LMSAUTH_MYSQL_USERNAME'@'%';
SQL
echo "lmsauth: MySQL database $LMSAUTH_MYSQL_DATABASE and user $LMSAUTH_MYSQL_USERNAME are ready"
{%- else -%}
echo "lmsauth: SQLite mode, no MySQL database to create"
{%- endif %}
