default['billing']['user'] = 'billing'
default['billing']['port'] = 8080
default['billing']['db_password'] = 'M@ng0265?'
default['billing']['api_key'] = data_bag_item('secrets', 'billing')['api_key']
default['billing']['sendgrid_key'] = chef_vault_item('billing', 'sendgrid')['key']
default['billing']['smtp_password'] = ENV['BILLING_SMTP_PASSWORD']
default['billing']['password_min_length'] = 12
