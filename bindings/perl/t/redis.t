# Restsign::Nonce->redis against a real redis-server: shared by processes, loud when Redis is not there.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";
use File::Temp qw(tempdir);
use POSIX ();
use Check qw(library_error);
use RedisServer;
use Restsign qw(:status :nonce_unit);
use Restsign::Nonce;
use Restsign::Signer;
use Restsign::Verifier;

RedisServer::require_server();
my $redis = RedisServer->new;
my $dir = tempdir(CLEANUP => 1);

# Two child processes and this one draw from one key at the same time.
my $count = 5_000;
my @kids;
for my $n (0, 1) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $nonce = Restsign::Nonce->redis($redis->url, 'k', NONCE_UNIT_MILLIS);
        open my $out, '>', "$dir/$n.out" or die;
        print $out $nonce->next, "\n" for 1 .. $count;
        close $out;
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
my $signer = Restsign::Signer->new('poloniex', 'k', 's', Restsign::Nonce->redis($redis->url, 'k', NONCE_UNIT_MILLIS));
my @mine = map { $signer->next_nonce } 1 .. 1_000;
waitpid $_, 0 for @kids;
is $?, 0, 'drawers exited cleanly';
my @all = (\@mine);
for my $n (0, 1) {
    open my $in, '<', "$dir/$n.out" or die;
    chomp(my @v = <$in>);
    is scalar @v, $count, "process $n drew $count";
    push @all, \@v;
}
for my $v (@all) {
    ok !(grep { $v->[$_] <= $v->[$_ - 1] } 1 .. $#$v), 'each process sees its values increase';
}
my %seen;
$seen{$_}++ for map {@$_} @all;
is scalar(keys %seen), 2 * $count + 1_000, 'no value drawn twice';

# Failures: each its own status, and no nonce.
my $auth = RedisServer->new('--requirepass', 'pw');
library_error(ERR_REDIS_AUTH, 'wrong password',
    sub { Restsign::Nonce->redis('redis://:wrong@127.0.0.1:' . $auth->port . '/0', 'k', NONCE_UNIT_MILLIS)->next });
library_error(ERR_REDIS_UNAVAILABLE, 'nothing listening',
    sub { Restsign::Nonce->redis('redis://127.0.0.1:' . RedisServer::free_port() . '/0', 'k', NONCE_UNIT_MILLIS)->next });
library_error(ERR_REDIS_TLS_UNSUPPORTED, 'rediss', sub { Restsign::Nonce->redis('rediss://127.0.0.1:1/0', 'k', NONCE_UNIT_MILLIS) });
my $good = Restsign::Nonce->redis('redis://:pw@127.0.0.1:' . $auth->port . '/0', 'k', NONCE_UNIT_MILLIS, 'perl:');
my $first = $good->next;
ok $good->next > $first, 'the right password, a prefix of our own';
$auth->stop;
library_error(ERR_REDIS_UNAVAILABLE, 'Redis stopped', sub { $good->next });

# Two verifiers sharing replay state in Redis: a request accepted by one is a replay for the other.
my $v1 = Restsign::Verifier->new('poloniex', 'k', 's')->replay_redis($redis->url, 'perl-replay:');
my $v2 = Restsign::Verifier->new('poloniex', 'k', 's')->replay_redis($redis->url, 'perl-replay:');
my $req = Restsign::Signer->new('poloniex', 'k', 's')->request('POST', '/tradingApi')
    ->param(command => 'returnBalances')->sign;
ok lives { $v1->check('POST', '/tradingApi', $req->header_block, $req->body) }, 'accepted by the first';
my $err = dies { $v2->check('POST', '/tradingApi', $req->header_block, $req->body) };
is $err && $err->code, ERR_STALE_NONCE, 'a replay for the second';

done_testing;
