node 'db01.acme.internal' {
  class { 'postgresql::server':
    listen_addresses => '*',
    postgres_password => '2l7zc4sDD0yaIYxx',
  }
  mysql::db { 'wordpress':
    user     => 'wordpress',
    password => lookup('profile::wordpress::db_password'),
  }
  user { 'backup':
    ensure   => present,
    password => '$6$53vFQuwcmPhRO5Il$YKK1gkDHWk6zVEReMAaQkkSeHoAYUwnXQXYFBaSOCOk6DGr15LdORvjUoj2NYzSzFdASAuT/td/g68wgr086l.',
  }
  class { 'rabbitmq':
    default_pass => Sensitive('velvet_copper_sparrow'),
  }
}
