BEGIN;
INSERT INTO users (email, password_hash) VALUES ('kim@acme.example', '$2b$12$CRt7YtCy6QozU/lg8DHhXe6RJxcImWMHyquY4tR190bdhYZLiYgY7');
CREATE USER reporting WITH PASSWORD 'Harbor!Yarrow!39';
ALTER USER reporting WITH PASSWORD :'reporting_password';
COMMIT;
