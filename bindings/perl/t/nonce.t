# Restsign::Nonce and the signers' nonces: increasing, in the right unit, shared across processes.
use strict;
use warnings;
use Test2::V0;
use FindBin qw($Bin);
use lib "$Bin/../lib", "$Bin/lib";    # prove -l from anywhere; Check.pm
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes ();
use MIME::Base64 qw(encode_base64);
use Check qw(library_error);
use Restsign qw(:status :nonce_unit);
use Restsign::Nonce;
use Restsign::Signer;

my $dir = tempdir(CLEANUP => 1);

# Strictly increasing?
sub increasing { my $v = shift; !grep { $v->[$_] <= $v->[$_ - 1] } 1 .. $#$v }

for my $u ([NONCE_UNIT_SECONDS, 1], [NONCE_UNIT_MILLIS, 1e3], [NONCE_UNIT_MICROS, 1e6], [NONCE_UNIT_TEN_MICROS, 1e5]) {
    my ($unit, $per_second) = @$u;
    my $before = int(Time::HiRes::time() * $per_second);
    my $source = Restsign::Nonce->memory($unit);
    my @values = map { $source->next } 1 .. 10_000;
    ok $values[0] >= $before && $values[0] < $before + 2 * $per_second, "unit $unit: now in the unit";
    ok increasing(\@values), "unit $unit: 10,000 values, each above the last";
}

# SCHEMES.md: milliseconds, except MtGox's microtime.
my @seeds = qw(apiauth poloniex mtgox-v1 mtgox-v2 mtgox-stream coinpayments viabtc);
is { map { $_ => Restsign::Nonce->scheme_unit($_) } @seeds },
    { apiauth => NONCE_UNIT_MILLIS, poloniex => NONCE_UNIT_MILLIS, 'mtgox-v1' => NONCE_UNIT_MICROS, 'mtgox-v2' => NONCE_UNIT_MICROS,
      'mtgox-stream' => NONCE_UNIT_MICROS, coinpayments => NONCE_UNIT_MILLIS, viabtc => NONCE_UNIT_MILLIS },
    'scheme units';
library_error(ERR_UNKNOWN_SCHEME, 'unit of an unknown scheme', sub { Restsign::Nonce->scheme_unit('nope') });

{
    my $path = "$dir/state";
    my ($a, $b) = map { Restsign::Nonce->file($path, 'k', NONCE_UNIT_MICROS) } 1 .. 2;
    my @seen = ($a->next, $b->next, $a->next, $b->next);
    ok increasing(\@seen), 'two sources on one file: one sequence';
    undef $_ for $a, $b;
    cmp_ok(Restsign::Nonce->file($path, 'k', NONCE_UNIT_MICROS)->next, '>', $seen[-1], 'the file remembers');
    is((stat $path)[2] & 0777, 0600, 'mode 0600');

    my $source = Restsign::Nonce->memory(NONCE_UNIT_MILLIS);
    my $signer = Restsign::Signer->new('poloniex', 'k', 's', $source);
    my $first = $source->next;
    cmp_ok my $mid = $signer->next_nonce, '>', $first, 'a signer draws from its source';
    cmp_ok $source->next, '>', $mid, 'which goes on from there';
    undef $source;
    cmp_ok $signer->next_nonce, '>', $mid, 'the signer keeps the source alive';
    like dies { Restsign::Signer->new('poloniex', 'k', 's', 'not a source') }, qr/^restsign: the nonce source must be a Restsign::Nonce/,
        'a source must be a Restsign::Nonce';

    my ($s1, $s2) = map { Restsign::Signer->shared('mtgox-v1', 'k', encode_base64('s', ''), "$dir/shared") } 1 .. 2;
    my $n = $s1->next_nonce;
    cmp_ok $n, '>=', int(Time::HiRes::time() * 1e6) - 2e6, 'shared signer: microseconds, the scheme unit';
    cmp_ok $s2->next_nonce, '>', $n, 'shared signers share';
}

{
    my $path = "$dir/errors";
    Restsign::Nonce->file($path, 'k', NONCE_UNIT_MILLIS)->next;
    library_error(ERR_NONCE_STATE_FOREIGN, 'another key', sub { Restsign::Nonce->file($path, 'other key', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_FOREIGN, 'another unit', sub { Restsign::Nonce->file($path, 'k', NONCE_UNIT_MICROS) });
    library_error(ERR_NONCE_STATE_FOREIGN, 'a shared signer of another unit', sub { Restsign::Signer->shared('mtgox-v1', 'k', 'czE=', $path) });
    my $state = do { open my $fh, '<:raw', $path or die; local $/; <$fh> };
    my $write = sub { open my $fh, '>:raw', "$dir/$_[0]" or die; print $fh $_[1]; close $fh; "$dir/$_[0]" };
    library_error(ERR_NONCE_STATE_TRUNCATED, 'a state file cut short', sub { Restsign::Nonce->file($write->(cut => substr($state, 0, 40)), 'k', NONCE_UNIT_MILLIS) });
    (my $damaged = $state) =~ s/^(.{20})(.)/$1 . chr(ord($2) ^ 1)/se;
    library_error(ERR_NONCE_STATE_CORRUPT, 'a damaged state file', sub { Restsign::Nonce->file($write->(damaged => $damaged), 'k', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_FOREIGN, 'someone else\'s short file', sub { Restsign::Nonce->file($write->(short => 'abc'), 'k', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_FOREIGN, 'someone else\'s file', sub { Restsign::Nonce->file($write->(junk => "\xa5" x 4096), 'k', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_IO, 'a directory', sub { Restsign::Nonce->file($dir, 'k', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_IO, 'a path with NUL', sub { Restsign::Nonce->file("$dir/a\0b", 'k', NONCE_UNIT_MILLIS) });
    library_error(ERR_NONCE_STATE_IO, 'a path under a file', sub { Restsign::Signer->shared('poloniex', 'k', 's', "$path/under-a-file") });
    for my $unit (0, 5, -1, 2**32 + NONCE_UNIT_MILLIS, 'x', undef, 1.5) {
        my $shown = $unit // 'undef';
        library_error(ERR_INVALID_UNIT, "memory unit $shown", sub { Restsign::Nonce->memory($unit) });
        library_error(ERR_INVALID_UNIT, "file unit $shown", sub { Restsign::Nonce->file("$dir/u", 'k', $unit) });
    }
    library_error(ERR_EMPTY_SECRET, 'a shared signer checks its credential', sub { Restsign::Signer->shared('poloniex', 'k', '', "$dir/x") });
}

# Two Perl processes draw 50,000 nonces each from one state file at once, one through
# Restsign::Nonce->file and one through Restsign::Signer->shared: all 100,000 differ.
{
    my $count = 50_000;
    my $state = "$dir/two-processes";
    pipe my $ready_r, my $ready_w or die "pipe: $!";
    pipe my $go_r, my $go_w or die "pipe: $!";
    my %pid;
    for my $mode (qw(nonce signer)) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $ready_r;
            close $go_w;
            my $source = $mode eq 'nonce' ? Restsign::Nonce->file($state, 'k', NONCE_UNIT_MILLIS)
                : Restsign::Signer->shared('poloniex', 'k', 's', $state);
            my $draw = $mode eq 'nonce' ? sub { $source->next } : sub { $source->next_nonce };
            syswrite $ready_w, "$mode\n";
            sysread $go_r, my $go, 1;    # EOF once the parent lets every drawer go at once
            my @values = map { $draw->() } 1 .. $count;
            open my $out, '>', "$dir/$mode.out" or POSIX::_exit(2);
            print $out join("\n", @values), "\n";
            close $out or POSIX::_exit(2);
            POSIX::_exit(0);    # no END blocks or Test2 hooks in the child
        }
        $pid{$mode} = $pid;
    }
    close $ready_w;
    close $go_r;
    my @ready = map { scalar <$ready_r> } 1 .. 2;
    is [sort @ready], ["nonce\n", "signer\n"], 'both drawers opened the state file';
    close $go_w;    # go
    my %values;
    for my $mode (sort keys %pid) {
        waitpid $pid{$mode}, 0;
        is $?, 0, "$mode drawer exited cleanly";
        open my $in, '<', "$dir/$mode.out" or die "$mode.out: $!";
        chomp(my @v = <$in>);
        is scalar @v, $count, "$mode: $count values";
        ok increasing(\@v), "$mode: increasing";
        $values{$_} = $mode for @v;
    }
    is scalar keys %values, 2 * $count, 'no value drawn twice';
    my ($turns, $prev) = (0);
    for (sort { $a <=> $b } keys %values) {
        $turns++ if defined $prev && $values{$_} ne $prev;
        $prev = $values{$_};
    }
    diag sprintf '2 processes x %d draws: %d distinct, %d turns between them', $count, scalar keys %values, $turns;
}

done_testing;
