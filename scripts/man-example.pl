#!/usr/bin/env perl
# Prints the C program of a manual page: the .EX/.EE block after ".SS Program source" in its
# EXAMPLES section, with the roff escapes the pages use undone (\e \- \& \[aq] \(aq \[dq] \(dq).
# Any other escape, or a page without exactly one such block, is an error.
# Usage: man-example.pl PAGE > program.c
use strict;
use warnings;

my %unescape = ('e' => '\\', '-' => '-', '&' => '', '[aq]' => "'", '(aq' => "'",
	'[dq]' => '"', '(dq' => '"');
my ($page) = @ARGV or die "usage: $0 PAGE\n";
open(my $in, '<', $page) or die "$page: $!\n";
my ($section, $in_source, $in_block, $blocks, $program) = ('', 0, 0, 0, '');
while (my $line = <$in>) {
	if ($line =~ /^\.SH\s+"?([^"]*?)"?\s*$/) {
		($section, $in_source) = ($1, 0);
		next;
	}
	next unless $section eq 'EXAMPLES';
	if ($line =~ /^\.SS\s+"?Program source"?\s*$/) {
		$in_source = 1;
		next;
	}
	next unless $in_source;
	if ($line =~ /^\.EX\s*$/) {
		$in_block = 1;
		$blocks++;
		next;
	}
	if ($line =~ /^\.EE\s*$/) {
		($in_block, $in_source) = (0, 0);
		next;
	}
	next unless $in_block;
	next if $line =~ /^\.\\"/;
	die "$page:$.: a request inside the program: $line" if $line =~ /^[.']/;
	$line =~ s{\\(\[aq\]|\(aq|\[dq\]|\(dq|e|-|&|.)}{
		exists $unescape{$1} ? $unescape{$1} : die "$page:$.: unexpected escape \\$1\n"
	}ge;
	$program .= $line;
}
die "$page: $blocks program blocks under EXAMPLES/Program source, expected 1\n" unless $blocks == 1;
print $program;
