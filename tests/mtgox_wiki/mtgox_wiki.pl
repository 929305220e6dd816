#!/usr/bin/perl

use strict;
use warnings;

use Time::HiRes qw(gettimeofday);
use MIME::Base64;
use Digest::SHA qw(hmac_sha512);

use JSON;
use LWP::UserAgent;

use Data::Dumper;

my $lwp = LWP::UserAgent->new;
$lwp->agent("perl $]");

my $json = JSON->new->allow_nonref;

my $secret = '_MTGOX API SECRET GET YOURS AT https://classic.mtgox.com/support/tradeAPI';
my $key = '_MTGOX API KEY GET YOURS AT https://classic.mtgox.com/support/tradeAPI';

## user code


my $request = genReq('/1/generic/private/info');
my $res = $lwp->request($request);

# Check the outcome of the response
if ($res->is_success) {
        print Dumper($json->decode( $res->content ))."\n";
}
else { print $res->status_line, "\n"; }

exit 0;


## sub routines and helpers

sub genReq {
        my ($uri) = shift;

        my $req = HTTP::Request->new(POST => 'https://mtgox.com/api/'.$uri);
        $req->content_type('application/x-www-form-urlencoded');
        $req->content("nonce=".microtime());
        $req->header('Rest-Key' => $key);
        $req->header('Rest-Sign' => signReq($req->content(),$secret));

        return $req;
};

sub signReq {
        my ($content,$secret) = @_;
        return encode_base64(hmac_sha512($content,decode_base64($secret)));
}

sub microtime { return sprintf "%d%06d", gettimeofday; }

