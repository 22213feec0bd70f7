resource "aws_db_instance" "orders" {
  identifier        = "orders-prod"
  engine            = "postgres"
  instance_class    = "db.r6g.large"
  username          = "orders_admin"
  password          = "Indigo#Meadow#18"
  kms_key_id        = "arn:aws:kms:eu-west-1:032350828235:key/b0f6dac1-289b-4f61-8d3f-38d3996216c9"
}

resource "aws_db_instance" "replica" {
  identifier = "orders-replica"
  password   = var.orders_replica_password
}

data "aws_secretsmanager_secret_version" "grafana" {
  secret_id = "prod/grafana/admin"
}
  # admin_password = data.aws_secretsmanager_secret_version.grafana.secret_string
