<?php

// The Bitcoin wiki's PHP client for MtGox's HTTP API (MtGox/API/HTTP, "mtgox_query"), with its
// signing done by restsign: same function, same curl and json_decode flow. What changed, and why:
//  - the nonce comes from a state file shared by every process signing with this key (the wiki's
//    microtime() nonce repeats when two requests start in the same microsecond, or goes back with
//    the clock); restsign adds it to the parameters as the field "nonce", last;
//  - restsign form-encodes $req into the body (as http_build_query does, nonce last) and signs
//    exactly those bytes, for API 2 paths after the path and a NUL byte, as the wiki does by hand.
//
//   php mtgox_query.php                      prints the requests it would send
//   MTGOX_BASE_URL=http://127.0.0.1:8080/api/ php mtgox_query.php
//                                            sends them and var_dumps each decoded answer
//   php mtgox_query.php 2/BTCUSD/money/info [2/BTCUSD/money/order/add type=bid amount_int=1 ...]
//                                            other calls: a path, then its NAME=VALUE parameters
//
// MTGOX_KEY and MTGOX_SECRET (base64, as MtGox gave it) hold the credential; the defaults are
// demo values.

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

use Restsign\Signer;

function mtgox_query($path, array $req = array()) {
	// API settings
	$key = getenv('MTGOX_KEY') ?: '12345678-abcd-1234-abcd-50286e649d5c';
	$secret = getenv('MTGOX_SECRET') ?: 'cmVzdHNpZ24gZGVtbyBzZWNyZXQsIG5vdCBhIHJlYWwga2V5';
	$base = getenv('MTGOX_BASE_URL') ?: '';

	// One signer per API version, keyed once; both draw from the key's shared nonce state.
	static $signers = array();
	$scheme = substr($path, 0, 2) == '2/' ? 'mtgox-v2' : 'mtgox-v1';
	$signer = $signers[$scheme] ??= Signer::shared($scheme, $key, $secret);

	// the nonce, the POST data string and the extra headers (Rest-Key, Rest-Sign)
	$request = $signer->request('POST', '/api/' . $path);
	foreach ($req as $name => $value) {
		$request->param((string) $name, (string) $value);
	}
	$request->sign();
	$post_data = $request->body();
	$headers = $request->headers();

	if ($base === '') {
		printf("POST https://data.mtgox.com/api/%s\n%s\n\n%s\n\n", $path, implode("\n", $headers), $post_data);
		return null;
	}

	// our curl handle (initialize if required)
	static $ch = null;
	if (is_null($ch)) {
		$ch = curl_init();
		curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
		curl_setopt($ch, CURLOPT_USERAGENT, 'Mozilla/4.0 (compatible; MtGox PHP client; '.php_uname('s').'; PHP/'.phpversion().')');
	}
	curl_setopt($ch, CURLOPT_URL, $base.$path);
	curl_setopt($ch, CURLOPT_POSTFIELDS, $post_data);
	curl_setopt($ch, CURLOPT_HTTPHEADER, $headers);

	// run the query
	$res = curl_exec($ch);
	if ($res === false) throw new Exception('Could not get reply: '.curl_error($ch));
	$dec = json_decode($res, true);
	if (!$dec) throw new Exception('Invalid data received, please make sure connection is working and requested API exists');
	return $dec;
}

// The wiki's calls, or those on the command line: a path, then its NAME=VALUE parameters.
$calls = array();
foreach (array_slice($argv, 1) as $arg) {
	if (preg_match('/^([^=\/]+)=(.*)$/s', $arg, $m) && $calls) {
		$calls[count($calls) - 1][1][$m[1]] = $m[2];
	} else {
		$calls[] = array($arg, array());
	}
}
if (!$calls) {
	// example 1: get infos about the account, plus the list of rights we have access to
	// old api (get funds)
	$calls = array(array('0/info.php', array()), array('0/getFunds.php', array()));
}
foreach ($calls as [$path, $req]) {
	$answer = mtgox_query($path, $req);
	if ($answer !== null) {
		var_dump($answer);
	}
}
