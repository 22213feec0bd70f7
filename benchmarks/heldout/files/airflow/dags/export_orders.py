from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.providers.http.operators.http import HttpOperator
from airflow.providers.slack.operators.slack_webhook import SlackWebhookOperator

S3_SECRET = Variable.get("orders_export_s3_secret")
with DAG("export_orders", start_date=datetime(2025, 1, 1), schedule="@daily") as dag:
    push = HttpOperator(
        task_id="push_to_partner",
        http_conn_id="partner_api",
        headers={"Authorization": "Bearer QiSK6QUiJHBKAfaGFNG9j6mZhJfM862GB6sqJc7r"},
    )
    notify = SlackWebhookOperator(
        task_id="notify",
        slack_webhook_conn_id="slack_default",
        message="Orders exported; token refresh at {{ ds }}",
    )
    push >> notify
