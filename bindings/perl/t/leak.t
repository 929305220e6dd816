# 100,000 signers, requests and nonce sources each created, used and dropped (and some refused)
# leave the process no bigger: a leak of even 16 bytes an object would be 1.6 MB.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib";    # prove -l from anywhere
use MIME::Base64 qw(encode_base64);
use File::Temp qw(tempdir);
use Restsign qw(:nonce_unit);
use Restsign::Signer;
use Restsign::Nonce;

my $SIGNERS = 100_000;
my $MAX_RSS_GROWTH_KB = 1024;

# The process's resident set in kB, from /proc/self/status.
sub rss_kb {
    open my $fh, '<', '/proc/self/status' or return;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+) kB$/ }
    return;
}
skip_all 'no /proc/self/status VmRSS on this system' unless defined rss_kb();

my @SCHEMES = (
    ['apiauth', 'key', 0], ['poloniex', 'key', 0], ['mtgox-v1', 'key', 1], ['mtgox-v2', 'key', 1],
    ['mtgox-stream', '12345678-abcd-1234-abcd-50286e649d5c', 1], ['coinpayments', 'key', 0], ['viabtc', 'key', 0],
);
my $payload = '{"nonce":1}' x 20;

# Creates and drops $n signers across every scheme; every tenth creation is refused.
sub churn {
    my ($n) = @_;
    my $refused = 0;
    for my $i (1 .. $n) {
        my ($scheme, $key, $base64) = @{ $SCHEMES[$i % 7] };
        if ($i % 10 == 0) {
            $refused++ unless eval { Restsign::Signer->new($scheme, $key, ''); 1 };
            next;
        }
        my $signer = Restsign::Signer->new($scheme, $key, $base64 ? encode_base64("secret $i", '') : "secret $i");
        $signer->sign('POST', 'BTCUSD/money/info', $payload, $i);
        $signer->headers('POST', 'BTCUSD/money/info', $payload, $i) unless $scheme eq 'mtgox-stream';
    }
    return $refused;
}

# Runs $churn->(2,000) to warm up the allocator and the shared output buffer (mtgox-stream grows
# it), then $churn->(100,000): the process must not grow.
sub no_growth {
    my ($what, $churn) = @_;
    $churn->(2_000);
    my $before = rss_kb();
    $churn->($SIGNERS);
    my $growth = rss_kb() - $before;
    diag sprintf '%d %s: VmRSS %d kB -> %+d kB', $SIGNERS, $what, $before, $growth;
    cmp_ok $growth, '<', $MAX_RSS_GROWTH_KB, "$what: VmRSS grew less than $MAX_RSS_GROWTH_KB kB";
}

my $refused;
no_growth(signers => sub { $refused = churn(@_) });
is $refused, $SIGNERS / 10, 'every tenth creation was refused';

my @signers = (Restsign::Signer->new('poloniex', 'k', 's'), Restsign::Signer->new('viabtc', 'k', 's'),
    Restsign::Signer->new('mtgox-stream', '12345678-abcd-1234-abcd-50286e649d5c', 'czE='));
no_growth(requests => sub {
    for my $i (1 .. shift) {
        my $req = $signers[$i % 3]->request($i % 2 ? 'POST' : 'GET', '/p')->param(i => $i);
        if ($i % 10 == 0) {
            eval { $req->set_body('both')->sign };    # parameters and a body: refused
            next;
        }
        $req->sign_with_nonce($i);
        my @parts = ($req->body, $req->target, $req->signature, $req->header_block, $req->headers);
    }
});

my $state = tempdir(CLEANUP => 1) . '/state';
no_growth('nonce sources' => sub {
    for my $i (1 .. shift) {
        eval {
            my $source = $i % 10 == 0 ? Restsign::Nonce->file($state, 'another key', NONCE_UNIT_MILLIS)    # foreign: refused
                : $i % 2 ? Restsign::Nonce->file($state, 'k', NONCE_UNIT_MILLIS) : Restsign::Nonce->memory(NONCE_UNIT_MICROS);
            $source->next;
        };
    }
});

done_testing;
