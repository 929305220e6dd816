<?php

declare(strict_types=1);

namespace Restsign\Tests;

/**
 * The seven schemes written again with PHP's own hash_hmac / base64 (see shared SCHEMES.md), so
 * the binding is checked against an implementation that is not restsign's.
 */
final class Reference
{
    public static function sign(string $scheme, string $key, string $secret, string $path, string $payload, int $nonce): string
    {
        return match ($scheme) {
            'apiauth' => strtoupper(hash_hmac('sha256', $nonce . $key . $path . $payload, $secret)),
            'poloniex', 'coinpayments' => hash_hmac('sha512', $payload, $secret),
            'viabtc' => hash_hmac('sha256', $payload, $secret),
            'mtgox-v1' => base64_encode(hash_hmac('sha512', $payload, self::unbase64($secret), true)),
            'mtgox-v2' => base64_encode(hash_hmac('sha512', $path . "\0" . $payload, self::unbase64($secret), true)),
            'mtgox-stream' => base64_encode(
                hex2bin(str_replace('-', '', $key)) . hash_hmac('sha512', $payload, self::unbase64($secret), true) . $payload,
            ),
        };
    }

    /** @return list<string> the "Name: value" lines the scheme sends, in restsign's order */
    public static function headers(string $scheme, string $key, string $method, int $nonce, string $signature): array
    {
        return match ($scheme) {
            'apiauth' => ["Apiauth-Key: $key", "Apiauth-Nonce: $nonce", "Apiauth-Signature: $signature"],
            'poloniex' => ["Key: $key", "Sign: $signature"],
            'mtgox-v1', 'mtgox-v2' => ["Rest-Key: $key", "Rest-Sign: $signature"],
            'coinpayments' => ["HMAC: $signature"],
            // ViaBTC sends JSON bodies; GET/HEAD/DELETE carry the query string instead.
            'viabtc' => \in_array(strtoupper($method), ['GET', 'HEAD', 'DELETE'], true)
                ? ["X-API-KEY: $key", "X-SIGNATURE: $signature"]
                : ["X-API-KEY: $key", "X-SIGNATURE: $signature", 'Content-Type: application/json'],
        };
    }

    private static function unbase64(string $text): string
    {
        $bytes = base64_decode($text, true);
        if ($bytes === false) {
            throw new \LogicException("test bug: secret $text is not base64");
        }
        return $bytes;
    }
}
