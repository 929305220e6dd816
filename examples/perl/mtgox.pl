#!/usr/bin/perl
# The Bitcoin wiki's Perl client for MtGox's HTTP API (MtGox/API/HTTP: genReq, signReq), with its
# signing done by restsign. What changed, and why:
#  - signReq returns a request restsign built and signed: the body ("nonce=..." plus any
#    parameters) and the Rest-Key / Rest-Sign headers, signed over exactly those bytes;
#  - Rest-Sign has no line breaks (the wiki's encode_base64 without '' puts a newline in it);
#  - the nonce comes from a state file shared by every process signing with this key, not
#    microtime(), which repeats within a microsecond and goes back with the clock;
#  - API 2 paths ("2/BTCUSD/money/info") are signed after the path and a NUL byte (mtgox-v2).
#
#   perl mtgox.pl                      prints the request it would send
#   MTGOX_BASE_URL=http://127.0.0.1:8080/api/ perl mtgox.pl [PATH [NAME=VALUE ...]]
#                                      sends it and prints the decoded answer (Data::Dumper)
#
# MTGOX_KEY and MTGOX_SECRET (base64, as MtGox gave it) hold the credential; the defaults are
# demo values.

use strict;
use warnings;

use FindBin qw($Bin);
use lib "$Bin/../../bindings/perl/lib";
use Restsign::Signer;

use JSON::PP;
use LWP::UserAgent;

use Data::Dumper;

my $lwp = LWP::UserAgent->new;
$lwp->agent("perl $]");

my $json = JSON::PP->new->allow_nonref;

my $secret = $ENV{MTGOX_SECRET} || 'cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5';
my $key = $ENV{MTGOX_KEY} || '12345678-abcd-1234-abcd-50286e649d5c';
my $base = $ENV{MTGOX_BASE_URL};

## user code

my ($path, @params) = @ARGV ? @ARGV : ('1/generic/private/info');
my $request = genReq($path, map { split /=/, $_, 2 } @params);
if (!defined $base) {
        print $request->as_string;
        exit 0;
}
my $res = $lwp->request($request);

# Check the outcome of the response
if ($res->is_success) {
        print Dumper($json->decode( $res->content ))."\n";
}
else { print STDERR $res->status_line, "\n", $res->content, "\n"; exit 1; }

exit 0;


## sub routines and helpers

sub genReq {
        my ($uri, @params) = @_;

        my $signed = signReq($uri, @params);
        my $req = HTTP::Request->new(POST => ($base // 'https://data.mtgox.com/api/').$uri);
        $req->content_type('application/x-www-form-urlencoded');
        $req->content($signed->body);
        $req->header(split /: /, $_, 2) for $signed->headers;   # Rest-Key, Rest-Sign

        return $req;
};

# One signer per API version, keyed once; both draw from the key's shared nonce state.
my %signer;
sub signReq {
        my ($uri, @params) = @_;
        my $scheme = $uri =~ m{^2/} ? 'mtgox-v2' : 'mtgox-v1';
        $signer{$scheme} ||= Restsign::Signer->shared($scheme, $key, $secret);
        my $req = $signer{$scheme}->request('POST', "/api/$uri");
        $req->param(splice @params, 0, 2) while @params;
        return $req->sign;
}
