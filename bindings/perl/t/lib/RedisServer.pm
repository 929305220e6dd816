package RedisServer;

# A real redis-server for the tests: 127.0.0.1, a free port, its own temporary directory, stopped
# by stop or DESTROY. Without redis-server the test file is skipped, unless RESTSIGN_REQUIRE_REDIS
# is set (scripts/test-all, CI): then it fails.

use strict;
use warnings;
use File::Temp ();
use IO::Socket::INET;
use Test2::API qw(context);

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1) or die "listen: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# Skips (or, when required, fails) the whole file when redis-server is missing.
sub require_server {
    return if system('sh', '-c', 'command -v redis-server >/dev/null') == 0;
    my $ctx = context();
    if ($ENV{RESTSIGN_REQUIRE_REDIS}) {
        $ctx->fail_and_release('redis-server is required (RESTSIGN_REQUIRE_REDIS) but not on PATH: run scripts/install-deps');
        $ctx->done_testing;
        exit 1;
    }
    $ctx->plan(0, SKIP => 'redis-server is not on PATH');
    $ctx->release;
    exit 0;
}

sub new {
    my ($class, @extra) = @_;
    my $dir = File::Temp->newdir('restsign-perl-redis-XXXXXX', TMPDIR => 1);
    my $port = free_port();
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec 'redis-server', '--bind', '127.0.0.1', '--port', $port, '--save', '', '--dir', "$dir",
            '--logfile', "$dir/redis.log", @extra
            or die "exec redis-server: $!";
    }
    my $self = bless { pid => $pid, port => $port, dir => $dir }, $class;
    for (1 .. 200) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
        if ($s) {
            print $s "PING\r\n";
            my $reply = <$s> // '';
            return $self if $reply =~ /^(\+PONG|-NOAUTH)/;
        }
        select undef, undef, undef, 0.02;
    }
    $self->stop;
    die "redis-server did not start on port $port\n";
}

sub port { $_[0]{port} }
sub url  { "redis://127.0.0.1:$_[0]{port}/0" }

sub stop {
    my $self = shift;
    if (my $pid = delete $self->{pid}) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

sub DESTROY { $_[0]->stop }

1;
