<?php

return [
    'mailgun' => [
        'domain' => env('MAILGUN_DOMAIN'),
        'secret' => env('MAILGUN_SECRET'),
    ],
    'stripe' => [
        'secret' => 'sk_live_vzQesFYb0qA5B4ggB3NMkmdFSIcfpQ2qRV',
        'key' => 'pk_live_Rk6crnNbTZvEI2GcgDH1uQc7',
    ],
];
