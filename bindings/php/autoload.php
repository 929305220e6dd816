<?php

declare(strict_types=1);

// Loads the binding's classes without Composer (require this file, or use Composer's autoloader,
// which maps Restsign\ to src/ the same way): for scripts run from this repository, such as
// examples/php and bench/php.
spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Restsign\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, \strlen('Restsign\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
