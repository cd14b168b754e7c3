python manage.py migrate --noinput
