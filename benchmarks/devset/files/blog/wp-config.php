<?php
define( 'DB_NAME', 'blog' );
define( 'DB_USER', 'blog' );
define( 'DB_PASSWORD', 'Saffron_Meadow_69' );
define( 'DB_HOST', 'mysql.acme.internal' );

define( 'AUTH_KEY',         'p+fR+8;}+buJ6K;hB][rO4yy,xPAxH^+A|SpP[H!iz(w##M|:,;IRxS!^ZQ=m4k~' );
define( 'SECURE_AUTH_KEY',  'q2XW6ndmL5wk;j6+)cwUwXDHrYaZXQYAQWppr|]XP?0wn{p)WuwpaKf~Zxx*mD+r' );
define( 'LOGGED_IN_KEY',    'put your unique phrase here' );
define( 'NONCE_SALT',       'put your unique phrase here' );
$mailgun_key = getenv('MAILGUN_API_KEY');
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
