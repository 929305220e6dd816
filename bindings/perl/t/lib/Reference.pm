package Reference;

# The seven schemes written again with Digest::SHA and MIME::Base64 (see shared SCHEMES.md), so the
# binding is checked against an implementation that is not restsign's.

use strict;
use warnings;
use Digest::SHA qw(hmac_sha256_hex hmac_sha512_hex hmac_sha512);
use MIME::Base64 qw(encode_base64 decode_base64);
use JSON::PP ();

sub sign {
    my ($scheme, $key, $secret, $path, $payload, $nonce) = @_;
    return uc hmac_sha256_hex($nonce . $key . $path . $payload, $secret) if $scheme eq 'apiauth';
    return hmac_sha512_hex($payload, $secret) if $scheme eq 'poloniex' || $scheme eq 'coinpayments';
    return hmac_sha256_hex($payload, $secret) if $scheme eq 'viabtc';
    return encode_base64(hmac_sha512($payload, decode_base64($secret)), '') if $scheme eq 'mtgox-v1';
    return encode_base64(hmac_sha512("$path\0$payload", decode_base64($secret)), '') if $scheme eq 'mtgox-v2';
    if ($scheme eq 'mtgox-stream') {
        (my $hex = $key) =~ tr/-//d;
        return encode_base64(pack('H*', $hex) . hmac_sha512($payload, decode_base64($secret)) . $payload, '');
    }
    die "test bug: no reference for $scheme";
}

# The "Name: value" lines the scheme sends, in restsign's order.
sub headers {
    my ($scheme, $key, $method, $nonce, $signature) = @_;
    return ("Apiauth-Key: $key", "Apiauth-Nonce: $nonce", "Apiauth-Signature: $signature") if $scheme eq 'apiauth';
    return ("Key: $key", "Sign: $signature") if $scheme eq 'poloniex';
    return ("Rest-Key: $key", "Rest-Sign: $signature") if $scheme =~ /^mtgox-v[12]$/;
    return ("HMAC: $signature") if $scheme eq 'coinpayments';
    if ($scheme eq 'viabtc') {
        # ViaBTC sends JSON bodies; GET/HEAD/DELETE carry the query string instead.
        my @lines = ("X-API-KEY: $key", "X-SIGNATURE: $signature");
        push @lines, 'Content-Type: application/json' unless uc($method) =~ /^(?:GET|HEAD|DELETE)$/;
        return @lines;
    }
    die "test bug: no headers for $scheme";
}

# application/x-www-form-urlencoded as Python's urllib.parse.urlencode writes it (the encoding
# SCHEMES.md settles on): A-Z a-z 0-9 - . _ ~ kept, space as +, the rest %XX in upper case.
sub form {
    my $encode = sub {
        (my $s = shift) =~ s/([^A-Za-z0-9\-._~ ])/sprintf '%%%02X', ord $1/ge;
        $s =~ tr/ /+/;
        return $s;
    };
    return join '&', map { $encode->($_->[0]) . '=' . $encode->($_->[1]) } @_;
}

# A JSON object of string members (UTF-8 bytes) in order, then the nonce as a number, written as
# serde_json writes strings (no escaped "/" or non-ASCII).
sub json {
    my ($fields, $nonce_name, $nonce) = @_;
    my $json = JSON::PP->new->utf8->allow_nonref;
    my $string = sub { my $s = shift; utf8::decode($s) or die "test bug: not UTF-8"; $json->encode($s) };
    return '{' . join(',', (map { $string->($_->[0]) . ':' . $string->($_->[1]) } @$fields), $string->($nonce_name) . ":$nonce") . '}';
}

1;
