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

    /**
     * application/x-www-form-urlencoded as Python's urllib.parse.urlencode writes it (the encoding
     * SCHEMES.md settles on): A-Z a-z 0-9 - . _ ~ kept, space as +, the rest %XX in upper case.
     * PHP's urlencode() differs only in encoding "~".
     *
     * @param list<array{string, string}> $fields
     */
    public static function form(array $fields): string
    {
        $encode = static fn (string $s): string => str_replace('%7E', '~', urlencode($s));
        return implode('&', array_map(static fn (array $f): string => $encode($f[0]) . '=' . $encode($f[1]), $fields));
    }

    /**
     * A JSON object of string members in order, then the nonce as a number, written as
     * serde_json writes strings (no escaped "/" or non-ASCII).
     *
     * @param list<array{string, string}> $fields
     */
    public static function json(array $fields, string $nonceName, int $nonce): string
    {
        $flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR;
        $members = array_map(static fn (array $f): string => json_encode($f[0], $flags) . ':' . json_encode($f[1], $flags), $fields);
        $members[] = json_encode($nonceName, $flags) . ':' . $nonce;
        return '{' . implode(',', $members) . '}';
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
