<?php

declare(strict_types=1);

// Composer's autoloader when `composer install` ran; otherwise the binding's own (autoload.php)
// and the same PSR-4 mapping for the tests, so the suite runs with a system phpunit and no vendor/.
if (is_file(__DIR__ . '/../vendor/autoload.php')) {
    require __DIR__ . '/../vendor/autoload.php';
} else {
    require __DIR__ . '/../autoload.php';
    spl_autoload_register(static function (string $class): void {
        if (str_starts_with($class, 'Restsign\\Tests\\')) {
            $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, \strlen('Restsign\\Tests\\'))) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    });
}
