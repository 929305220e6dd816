package Server;

# A `restsign serve` of this repository (RESTSIGN_BIN, else target/release/restsign, else
# target/debug/restsign; build it with `cargo build --bin restsign`), on a free port of 127.0.0.1,
# verifying every request for one scheme and key. stop ends it with SIGTERM; so does DESTROY.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp ();

sub binary {
    return $ENV{RESTSIGN_BIN} if defined $ENV{RESTSIGN_BIN} && $ENV{RESTSIGN_BIN} ne '';
    my $root = abs_path(dirname(__FILE__) . '/../../../..');
    for my $bin (map { "$root/target/$_/restsign" } qw(release debug)) {
        return $bin if -x $bin;
    }
    die "no restsign command in $root/target/{release,debug}: run `cargo build --bin restsign` (or set RESTSIGN_BIN)\n";
}

sub new {
    my ($class, $scheme, $key, $secret) = @_;
    my $log = File::Temp->new(TEMPLATE => 'restsign-serve-XXXXXX', TMPDIR => 1);
    my $bin = binary();
    # The secret through the environment: restsign serve reads it with --secret-env.
    local $ENV{RESTSIGN_TEST_SECRET} = $secret;
    my $pid = open my $out, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>', $log->filename or die "$log: $!";
        exec $bin, 'serve', '--scheme', $scheme, '--key', $key, '--secret-env', 'RESTSIGN_TEST_SECRET', '--port', '0',
            '--threads', '2'
            or die "exec $bin: $!";
    }
    my $self = bless { pid => $pid, out => $out, log => $log }, $class;
    my $line = <$out> // '';
    die "restsign serve said '$line': " . $self->log unless $line =~ /^listening on 127\.0\.0\.1:(\d+)$/;
    $self->{port} = $1;
    return $self;
}

sub port { $_[0]{port} }
sub url  { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

# What the server wrote to stderr (its refusals and why).
sub log {
    open my $fh, '<', $_[0]{log}->filename or return '';
    local $/;
    return <$fh>;
}

# Ends the server with SIGTERM; its exit status (0 when it stopped cleanly).
sub stop {
    my $self = shift;
    my $pid = delete $self->{pid} or return 0;
    kill 'TERM', $pid;
    waitpid $pid, 0;
    my $status = $?;
    close $self->{out};
    return $status;
}

sub DESTROY { local $?; $_[0]->stop }

1;
