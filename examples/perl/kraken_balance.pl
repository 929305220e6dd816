#!/usr/bin/perl
# Kraken spot (POST /0/private/Balance) with restsign's `kraken` preset and LWP::UserAgent. restsign
# puts nonce=... first in the form body and gives the headers API-Key and API-Sign: base64 of
# HMAC-SHA512, keyed with the base64-decoded secret, over the URL path followed by the SHA-256 of
# nonce + body. The nonces come from a state file shared by every process signing with this key,
# in milliseconds, so two scripts running at once never send the same one or go backwards.
#
#   perl kraken_balance.pl               prints the request it would send
#   KRAKEN_BASE_URL=http://127.0.0.1:8080 perl kraken_balance.pl
#                                        sends it and prints the balances as JSON
#
# KRAKEN_KEY and KRAKEN_SECRET (base64, as Kraken gives it) hold the credential; the defaults are
# demo values. Exit status 1 if Kraken answers with errors ({"error": ["EAPI:Invalid key"]}).

use strict;
use warnings;

use FindBin qw($Bin);
use lib "$Bin/../../bindings/perl/lib";
use Restsign qw(:nonce_unit);
use Restsign::Nonce;
use Restsign::Signer;

use JSON::PP;
use LWP::UserAgent;

my $key = $ENV{KRAKEN_KEY} || 'restsign-demo-kraken-key';
my $secret = $ENV{KRAKEN_SECRET} || 'cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwgb25l';
my $base = $ENV{KRAKEN_BASE_URL} || undef;    # undef: print only, against the preset's api.kraken.com

my $signer = eval {
    Restsign::Signer->from_recipe('kraken',
        key      => $key,
        secret   => $secret,
        nonce    => Restsign::Nonce->file(undef, $key, NONCE_UNIT_MILLIS),    # shared by this host's processes
        base_url => $base,
    );
} or die "kraken_balance: $@(credential from KRAKEN_KEY / KRAKEN_SECRET, base URL from KRAKEN_BASE_URL)\n";
my $signed = $signer->request('POST', '/0/private/Balance')->sign;

my $request = HTTP::Request->new(POST => $signed->url);
$request->content($signed->body);                                # exactly the signed bytes
$request->header(split /: /, $_, 2) for $signed->headers;      # API-Key, API-Sign, Content-Type

if (!defined $base) {
    print $request->as_string;
    exit 0;
}
my $response = LWP::UserAgent->new(agent => "restsign-example perl $]")->request($request);
my $answer = eval { JSON::PP->new->decode($response->decoded_content) };
if (!$response->is_success || ref $answer ne 'HASH' || @{ $answer->{error} // ['no error list'] }) {
    print STDERR $response->status_line, "\n", $response->decoded_content, "\n";
    exit 1;
}
print JSON::PP->new->canonical->pretty->encode($answer->{result});
