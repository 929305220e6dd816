<?php

declare(strict_types=1);

// For opcache.preload under php-fpm (or any web SAPI) with ffi.enable=preload, PHP's default:
// there, only preloaded code may use the FFI API, so this compiles every class of the binding and
// loads the library's declarations as the FFI scope "restsign", once, in the server's master
// process. Pool settings: see README.md ("PHP under php-fpm").
//
//   opcache.enable=1
//   opcache.preload=/path/to/vendor/restsign/restsign/preload.php
//   opcache.preload_user=www-data
//   ffi.enable=preload
//
// The library is looked up as Restsign\Library::candidates() says, with the master's environment
// (RESTSIGN_LIB, else the build tree, else the dynamic loader). If none loads here, the workers
// load it themselves on first use (the pool's env[RESTSIGN_LIB], say): the preloaded classes may.

// Declaring the classes (not merely compiling them) links each to its parent, which preloading
// needs; the autoloader resolves the order.
require_once __DIR__ . '/autoload.php';
foreach (glob(__DIR__ . '/src/*.php') as $file) {
    class_exists('Restsign\\' . basename($file, '.php'));
}
Restsign\Library::preload();
