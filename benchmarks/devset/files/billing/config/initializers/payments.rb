Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY")
Braintree::Configuration.private_key = Rails.application.credentials.dig(:braintree, :private_key)
Square.access_token = "EAAAmaOn9EAwIrxuf00df_MWTJ07_ikaerQ25XR2Z_nYH79zaRpwIxcx2D1M7lJa"

Rails.application.config.payments_timeout = 15
