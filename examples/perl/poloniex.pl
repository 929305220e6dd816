#!/usr/bin/perl
# Poloniex's trading API (POST /tradingApi, command=returnBalances) with LWP::UserAgent, signed by
# restsign: the body "command=...&nonce=..." and the headers Key and Sign (HMAC-SHA512 of exactly
# that body, in hex). The nonce comes from a state file shared by every process signing with this
# key, so two scripts running at once never send the same one.
#
#   perl poloniex.pl                    prints the request it would send
#   POLONIEX_BASE_URL=http://127.0.0.1:8080 perl poloniex.pl [COMMAND [NAME=VALUE ...]]
#                                       sends it and prints the decoded answer as JSON
#
# POLONIEX_KEY and POLONIEX_SECRET hold the credential; the defaults are demo values.

use strict;
use warnings;

use FindBin qw($Bin);
use lib "$Bin/../../bindings/perl/lib";
use Restsign::Signer;

use JSON::PP;
use LWP::UserAgent;

my $key = $ENV{POLONIEX_KEY} || 'RESTSIGN-DEMO-KEY';
my $secret = $ENV{POLONIEX_SECRET} || 'restsign demo secret, not a real one';
my $base = $ENV{POLONIEX_BASE_URL};

my ($command, @params) = @ARGV ? @ARGV : ('returnBalances');
my $signer = Restsign::Signer->shared('poloniex', $key, $secret);
my $signed = $signer->request('POST', '/tradingApi')->param(command => $command);
$signed->param(split /=/, $_, 2) for @params;
$signed->sign;    # adds nonce=... last, then signs the body

my $request = HTTP::Request->new(POST => ($base // 'https://poloniex.com') . $signed->target);
$request->content_type('application/x-www-form-urlencoded');
$request->content($signed->body);
$request->header(split /: /, $_, 2) for $signed->headers;    # Key, Sign

if (!defined $base) {
    print $request->as_string;
    exit 0;
}
my $response = LWP::UserAgent->new(agent => "restsign-example perl $]")->request($request);
my $answer = eval { JSON::PP->new->decode($response->decoded_content) };
if (!$response->is_success || ref $answer ne 'HASH' || exists $answer->{error}) {
    print STDERR $response->status_line, "\n", $response->decoded_content, "\n";
    exit 1;
}
print JSON::PP->new->canonical->pretty->encode($answer);
