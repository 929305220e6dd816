/*
 * restsign for C++: header-only RAII wrappers over the C API of restsign.h.
 *
 *   restsign::signer s("poloniex", key, secret);
 *   restsign::request r = s.request("POST", "/tradingApi");
 *   r.param("command", "returnBalances").sign();
 *   r.body();      // "command=returnBalances&nonce=1700000000123"
 *   r.headers();   // {"Key: ...", "Sign: ..."}, ready for curl_slist_append
 *
 * - One move-only class per handle: recipe, signer, nonce, request, verifier, verdict. Each frees its
 *   handle when destroyed; a moved-from object is empty (operator bool is false) and its calls
 *   report RESTSIGN_ERR_NULL_HANDLE.
 * - Results are std::string copies (the C views are not kept). Byte arguments are restsign::bytes:
 *   a std::string, a NUL-terminated const char*, a (pointer, length) pair, or with C++17 a
 *   std::string_view. Binary data (NUL bytes included) is fine where the C API takes a length.
 * - Errors: every call has two forms. The plain one throws restsign::error (a std::system_error
 *   whose code() is in restsign::category() and whose status() is the restsign_status). The one
 *   with a trailing std::error_code& never throws: it clears or sets the code and returns an empty
 *   value on failure; constructors have static create(..., ec) forms. Built without exceptions
 *   (-fno-exceptions), only the second form exists.
 * - Recipes (docs/RECIPES.md): restsign::recipe::preset("kucoin") or recipe::parse(toml_text), then
 *   signer::from_recipe(recipe, key, secret, signer_options().passphrase(p)); a request's
 *   set_time, set_uuid and url() serve them.
 * - C++11 and later; needs only the standard library and librestsign (link with -lrestsign).
 */
#ifndef RESTSIGN_HPP
#define RESTSIGN_HPP

#include "restsign.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>
#if __cplusplus >= 201703L
#include <string_view>
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || (defined(_MSC_VER) && defined(_CPPUNWIND))
#define RESTSIGN_HPP_EXCEPTIONS 1
#else
#define RESTSIGN_HPP_EXCEPTIONS 0
#endif

namespace restsign {

// ---- errors ----

/** The category of restsign's status codes: message() is restsign_strerror(). */
class status_category : public std::error_category {
public:
    const char *name() const noexcept override { return "restsign"; }
    std::string message(int status) const override { return restsign_strerror(status); }
};

inline const std::error_category &category() noexcept {
    static const status_category instance;
    return instance;
}

/** A status as a std::error_code (RESTSIGN_OK is the empty code). */
inline std::error_code make_error_code(restsign_status status) noexcept {
    return std::error_code(status, category());
}

/**
 * Whether a status is a verifier's verdict on the request (not an argument, key lookup, replay
 * memory, state or Redis error): RESTSIGN_ERR_BAD_SIGNATURE, _STALE_NONCE, _MALFORMED,
 * _UNKNOWN_KEY, and from check_request also _OUTSIDE_WINDOW and _REPLAYED.
 */
inline bool is_rejection(restsign_status status) noexcept {
    return status == RESTSIGN_ERR_BAD_SIGNATURE || status == RESTSIGN_ERR_STALE_NONCE ||
           status == RESTSIGN_ERR_MALFORMED || status == RESTSIGN_ERR_UNKNOWN_KEY ||
           status == RESTSIGN_ERR_OUTSIDE_WINDOW || status == RESTSIGN_ERR_REPLAYED;
}

#if RESTSIGN_HPP_EXCEPTIONS
/** A status the library returned: what() is restsign_strerror's text, status() the code. */
class error : public std::system_error {
public:
    explicit error(restsign_status status) : std::system_error(make_error_code(status)) {}
    explicit error(const std::error_code &ec) : std::system_error(ec) {}
    restsign_status status() const noexcept { return code().value(); }
};

/**
 * A recipe the parser refused (recipe::parse): status() is RESTSIGN_ERR_INVALID_RECIPE, detail()
 * the parser's own message saying where and what ("line 5, column 11: headers.X-SIGN: unknown
 * name {sig} ..."), which what() carries too.
 */
class recipe_error : public error {
public:
    recipe_error(const std::error_code &ec, const std::string &detail)
        : error(ec), detail_(detail), what_(ec.message() + (detail.empty() ? "" : ": " + detail)) {}
    /** restsign_strerror's text, then ": " and the parser's message (as the PHP and Python bindings). */
    const char *what() const noexcept override { return what_.c_str(); }
    const std::string &detail() const noexcept { return detail_; }

private:
    std::string detail_, what_;
};
#endif

// ---- byte arguments ----

/** A borrowed byte string: what every byte argument accepts. */
class bytes {
public:
    bytes(const std::string &s) noexcept : data_(s.data()), size_(s.size()), terminated_(true) {}
    bytes(const char *s) noexcept : data_(s), size_(s ? std::strlen(s) : 0), terminated_(true) {}
    bytes(const char *data, std::size_t size) noexcept : data_(data), size_(size), terminated_(false) {}
#if __cplusplus >= 201703L
    bytes(std::string_view s) noexcept : data_(s.data()), size_(s.size()), terminated_(false) {}
#endif
    const char *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool has_nul() const noexcept { return size_ && std::memchr(data_, 0, size_) != nullptr; }
    /** NUL-terminated: this when it already is, else a copy in `storage`. */
    const char *c_str(std::string &storage) const {
        if (terminated_) return data_;
        storage.assign(data_, size_);
        return storage.c_str();
    }

private:
    const char *data_;
    std::size_t size_;
    bool terminated_;
};

namespace detail {

inline void set(std::error_code &ec, restsign_status status) noexcept { ec = make_error_code(status); }

#if RESTSIGN_HPP_EXCEPTIONS
inline void throw_if(const std::error_code &ec) {
    if (ec) throw error(ec);
}

/** `value`, or the error in `ec`: for `or_throw(f(args, ec), ec)` (ec is read once f returned). */
template <typename T>
T or_throw(T value, const std::error_code &ec) {
    throw_if(ec);
    return value;
}
#endif

/**
 * A NUL-terminated argument (a scheme, a method, a path): C would see one with a NUL cut short,
 * so it cannot be a valid one and is refused with `invalid`, the library's own answer to a bad
 * value of that kind (a null pointer: RESTSIGN_ERR_NULL_ARGUMENT, as from C). NULL when refused.
 */
inline const char *text(bytes value, std::string &storage, restsign_status invalid, std::error_code &ec) {
    if (value.data() == nullptr) {
        set(ec, RESTSIGN_ERR_NULL_ARGUMENT);
        return nullptr;
    }
    if (value.has_nul()) {
        set(ec, invalid);
        return nullptr;
    }
    return value.c_str(storage);
}

/** Calls fn(out, cap, &len) under the C buffer contract, growing once if the text does not fit. */
template <typename F>
std::string into(F fn, std::error_code &ec) {
    std::string out(RESTSIGN_MAX_TAG_LEN + 128, '\0');  // any signature, most header blocks
    std::size_t len = 0;
    restsign_status st = fn(&out[0], out.size(), &len);
    if (st == RESTSIGN_ERR_BUFFER_TOO_SMALL) {
        out.resize(len);
        st = fn(&out[0], out.size(), &len);
    }
    if (st != RESTSIGN_OK) {
        set(ec, st);
        return std::string();
    }
    ec.clear();
    out.resize(len);
    return out;
}

/** A view the C API lends (data, len), copied out. */
template <typename F>
std::string view(F fn, std::error_code &ec) {
    const char *data = nullptr;
    std::size_t len = 0;
    restsign_status st = fn(&data, &len);
    if (st != RESTSIGN_OK) {
        set(ec, st);
        return std::string();
    }
    ec.clear();
    return std::string(data, len);
}

inline restsign_status check(restsign_status st, std::error_code &ec) noexcept {
    if (st == RESTSIGN_OK) {
        ec.clear();
    } else {
        set(ec, st);
    }
    return st;
}

/** Appends `value` with each line break (and the blanks around it) unfolded to one space, trimmed. */
inline void append_unfolded(std::string &out, const std::string &value) {
    std::size_t i = 0, end = value.size();
    while (i < end && (value[i] == ' ' || value[i] == '\t')) i++;
    while (end > i && (value[end - 1] == ' ' || value[end - 1] == '\t' || value[end - 1] == '\r' || value[end - 1] == '\n')) end--;
    std::string v;
    while (i < end) {
        char c = value[i];
        if (c != '\r' && c != '\n') {
            v += c;
            i++;
            continue;
        }
        while (!v.empty() && (v[v.size() - 1] == ' ' || v[v.size() - 1] == '\t')) v.erase(v.size() - 1);
        while (i < end && (value[i] == '\r' || value[i] == '\n' || value[i] == ' ' || value[i] == '\t')) i++;
        v += ' ';
    }
    out += v;
}

/**
 * The "Name: value\r\n" block check_request takes, from (name, value) pairs. A line break inside a
 * value is unfolded to one space (RFC 9110's rule for obs-fold), so that no value makes a header
 * line of its own; a name that is blank or has ':', CR or LF is std::errc::invalid_argument.
 */
template <typename Pairs>
std::string header_block(const Pairs &pairs, std::error_code &ec) {
    std::string block;
    for (const auto &pair : pairs) {
        const std::string name(pair.first), value(pair.second);
        if (name.find_first_not_of(" \t") == std::string::npos || name.find_first_of(":\r\n") != std::string::npos) {
            ec = std::make_error_code(std::errc::invalid_argument);
            return std::string();
        }
        block += name;
        block += ": ";
        append_unfolded(block, value);
        block += "\r\n";
    }
    ec.clear();
    return block;
}

struct free_nonce { void operator()(restsign_nonce *p) const noexcept { restsign_nonce_free(p); } };
struct free_signer { void operator()(restsign_signer *p) const noexcept { restsign_signer_free(p); } };
struct free_request { void operator()(restsign_request *p) const noexcept { restsign_request_free(p); } };
struct free_verifier { void operator()(restsign_verifier *p) const noexcept { restsign_verifier_free(p); } };
struct free_verdict { void operator()(restsign_verdict *p) const noexcept { restsign_verdict_free(p); } };
struct free_recipe { void operator()(restsign_recipe *p) const noexcept { restsign_recipe_free(p); } };
struct free_options { void operator()(restsign_signer_options *p) const noexcept { restsign_signer_options_free(p); } };

/** Overwrites a string's bytes (a passphrase) before it is released. */
inline void wipe(std::string &s) noexcept {
    volatile char *p = s.empty() ? nullptr : &s[0];
    for (std::size_t i = 0; i < s.size(); i++) p[i] = 0;
    s.clear();
}

}  // namespace detail

class signer;
class request;

// ---- nonce sources ----

/** A source of strictly increasing nonces, shareable by threads (and, from a file, processes). */
class nonce {
public:
    nonce() noexcept = default;

    /** An in-process source counting `unit` (RESTSIGN_NONCE_UNIT_*). */
    static nonce memory(int32_t unit, std::error_code &ec) {
        restsign_nonce *h = nullptr;
        detail::check(restsign_nonce_new_memory(unit, &h), ec);
        return nonce(h);
    }
    /**
     * A source shared by every process on this host that opens the state file `path` (created
     * 0600 if missing; a damaged or foreign file is an error, never a silent reset).
     */
    static nonce file(bytes path, bytes key, int32_t unit, std::error_code &ec) {
        std::string storage;
        const char *p = detail::text(path, storage, RESTSIGN_ERR_NONCE_STATE_IO, ec);
        return p ? open_file(p, key, unit, ec) : nonce();
    }
    /** The same at restsign's per-key default path ($XDG_RUNTIME_DIR/restsign/…, else /tmp/restsign-<uid>/…). */
    static nonce file(bytes key, int32_t unit, std::error_code &ec) { return open_file(nullptr, key, unit, ec); }
    /** The default unit of `scheme` (0 on error). */
    static int32_t scheme_unit(bytes scheme, std::error_code &ec) {
        std::string storage;
        int32_t unit = 0;
        const char *s = detail::text(scheme, storage, RESTSIGN_ERR_UNKNOWN_SCHEME, ec);
        if (s) detail::check(restsign_scheme_nonce_unit(s, &unit), ec);
        return unit;
    }
    /** The next value (0 on error). */
    uint64_t next(std::error_code &ec) const noexcept {
        uint64_t n = 0;
        detail::check(restsign_nonce_next(h_.get(), &n), ec);
        return n;
    }

#if RESTSIGN_HPP_EXCEPTIONS
    static nonce memory(int32_t unit) {
        std::error_code ec;
        return detail::or_throw(memory(unit, ec), ec);
    }
    static nonce file(bytes path, bytes key, int32_t unit) {
        std::error_code ec;
        return detail::or_throw(file(path, key, unit, ec), ec);
    }
    static nonce file(bytes key, int32_t unit) {
        std::error_code ec;
        return detail::or_throw(file(key, unit, ec), ec);
    }
    static int32_t scheme_unit(bytes scheme) {
        std::error_code ec;
        return detail::or_throw(scheme_unit(scheme, ec), ec);
    }
    uint64_t next() const {
        std::error_code ec;
        return detail::or_throw(next(ec), ec);
    }
#endif

    explicit operator bool() const noexcept { return h_ != nullptr; }
    restsign_nonce *native_handle() const noexcept { return h_.get(); }

private:
    explicit nonce(restsign_nonce *h) noexcept : h_(h) {}
    static nonce open_file(const char *path, bytes key, int32_t unit, std::error_code &ec) {
        restsign_nonce *h = nullptr;
        detail::check(restsign_nonce_new_file(path, key.data(), key.size(), unit, &h), ec);
        return nonce(h);
    }
    std::unique_ptr<restsign_nonce, detail::free_nonce> h_;
};

// ---- recipes ----

/**
 * A signing recipe (docs/RECIPES.md): a built-in preset, or one parsed from TOML or JSON text.
 * Immutable; signers made from it keep their own reference, so it may go once they are made.
 */
class recipe {
public:
    recipe() noexcept = default;

    /** The built-in preset called `name` ("okx", "kucoin"; aliases such as "binanceus" too);
     *  RESTSIGN_ERR_UNKNOWN_SCHEME if there is none. */
    static recipe preset(bytes name, std::error_code &ec) {
        restsign_recipe *h = nullptr;
        if (name.data() == nullptr) {
            detail::set(ec, RESTSIGN_ERR_NULL_ARGUMENT);
        } else {
            detail::check(restsign_recipe_preset(name.data(), name.size(), &h), ec);
        }
        return recipe(h);
    }
    /**
     * A recipe from TOML text, or JSON when it starts with '{'. Refused: `ec` is
     * RESTSIGN_ERR_INVALID_RECIPE and `error_text` the parser's message, saying where (line,
     * column) and what; empty on success.
     */
    static recipe parse(bytes text, std::string &error_text, std::error_code &ec) {
        restsign_recipe *h = nullptr;
        std::string err(4096, '\0');
        std::size_t err_len = 0;
        restsign_status st = restsign_recipe_parse(text.data(), text.size(), &h, &err[0], err.size(), &err_len);
        detail::check(st, ec);
        // err_len is the message's length (without NUL), cut short by the library if it did not fit.
        error_text.assign(err.data(), st == RESTSIGN_OK ? 0 : err_len < err.size() ? err_len : err.size() - 1);
        return recipe(h);
    }
    /** As above, without the parser's message. */
    static recipe parse(bytes text, std::error_code &ec) {
        std::string ignored;
        return parse(text, ignored, ec);
    }

#if RESTSIGN_HPP_EXCEPTIONS
    static recipe preset(bytes name) {
        std::error_code ec;
        return detail::or_throw(preset(name, ec), ec);
    }
    /** As above; a refused text throws restsign::recipe_error carrying the parser's message. */
    static recipe parse(bytes text) {
        std::error_code ec;
        std::string error_text;
        recipe r = parse(text, error_text, ec);
        if (ec) throw recipe_error(ec, error_text);
        return r;
    }
#endif

    /** The recipe's name (a preset's own name even when loaded by an alias); "" when empty. */
    std::string name() const {
        const char *n = restsign_recipe_name(h_.get());
        return n ? std::string(n) : std::string();
    }
    /** The names of the built-in presets, after the seed schemes (as signer::schemes()). */
    static std::vector<std::string> presets() {
        std::vector<std::string> names;
        for (std::size_t i = 0, n = restsign_scheme_count(); i < n; i++) names.emplace_back(restsign_scheme_name(i));
        return names;
    }

    explicit operator bool() const noexcept { return h_ != nullptr; }
    const restsign_recipe *native_handle() const noexcept { return h_.get(); }

private:
    explicit recipe(restsign_recipe *h) noexcept : h_(h) {}
    std::unique_ptr<restsign_recipe, detail::free_recipe> h_;
};

/**
 * What signer::from_recipe takes besides key and secret, all optional and chained:
 *   restsign::signer_options().passphrase(p).nonce_source(source).base_url("http://127.0.0.1:8080")
 * The nonce source is borrowed until the signer is made (the signer keeps its own reference); the
 * passphrase is copied and wiped when the options go.
 */
class signer_options {
public:
    signer_options() = default;
    signer_options(const signer_options &o) : passphrase_(o.passphrase_), base_url_(o.base_url_), nonce_(o.nonce_),
        has_passphrase_(o.has_passphrase_), has_base_url_(o.has_base_url_) {}
    signer_options &operator=(const signer_options &o) {
        if (this != &o) {
            detail::wipe(passphrase_);
            passphrase_ = o.passphrase_;
            base_url_ = o.base_url_;
            nonce_ = o.nonce_;
            has_passphrase_ = o.has_passphrase_;
            has_base_url_ = o.has_base_url_;
        }
        return *this;
    }
    ~signer_options() { detail::wipe(passphrase_); }

    /** The API passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin). */
    signer_options &passphrase(bytes p) {
        detail::wipe(passphrase_);
        passphrase_.assign(p.data() ? p.data() : "", p.size());
        has_passphrase_ = true;
        return *this;
    }
    /** Request nonces from `source` instead of the default. */
    signer_options &nonce_source(const nonce &source) noexcept {
        nonce_ = &source;
        return *this;
    }
    /** Send to `url` (http(s)://host[:port]) instead of the recipe's base URL. */
    signer_options &base_url(bytes url) {
        base_url_.assign(url.data() ? url.data() : "", url.size());
        has_base_url_ = true;
        return *this;
    }

private:
    friend class signer;
    std::string passphrase_, base_url_;
    const nonce *nonce_ = nullptr;
    bool has_passphrase_ = false, has_base_url_ = false;
};

// ---- signers ----

/**
 * One credential (scheme, key, secret), keyed once. Immutable: any number of threads may use one
 * signer at once. The library wipes the secret when the last reference (this object or one of
 * its requests) goes.
 */
class signer {
public:
    signer() noexcept = default;

    /** `scheme` as restsign_scheme_name gives it; key and secret as the API gave them. */
    static signer create(bytes scheme, bytes key, bytes secret, std::error_code &ec) {
        std::string storage;
        restsign_signer *h = nullptr;
        const char *s = detail::text(scheme, storage, RESTSIGN_ERR_UNKNOWN_SCHEME, ec);
        if (s) detail::check(restsign_signer_new(s, key.data(), key.size(), secret.data(), secret.size(), &h), ec);
        return signer(h);
    }
    /** Request nonces drawn from `source` (the signer keeps its own reference to it). */
    static signer create(bytes scheme, bytes key, bytes secret, const nonce &source, std::error_code &ec) {
        std::string storage;
        restsign_signer *h = nullptr;
        const char *s = detail::text(scheme, storage, RESTSIGN_ERR_UNKNOWN_SCHEME, ec);
        if (s && !source) {
            detail::set(ec, RESTSIGN_ERR_NULL_HANDLE);  // C would take NULL as "the default source"
        } else if (s) {
            detail::check(restsign_signer_new_with_nonce(s, key.data(), key.size(), secret.data(), secret.size(),
                                                         source.native_handle(), &h),
                          ec);
        }
        return signer(h);
    }
    /** Request nonces shared by every process signing with this key, through the state file `path`. */
    static signer shared(bytes scheme, bytes key, bytes secret, bytes path, std::error_code &ec) {
        std::string storage;
        const char *p = detail::text(path, storage, RESTSIGN_ERR_NONCE_STATE_IO, ec);
        return p ? open_shared(scheme, key, secret, p, ec) : signer();
    }
    /** The same with restsign's per-key default state file. */
    static signer shared(bytes scheme, bytes key, bytes secret, std::error_code &ec) {
        return open_shared(scheme, key, secret, nullptr, ec);
    }

    /**
     * A signer for any recipe (`options`: passphrase, nonce source, base URL). A recipe that needs
     * a passphrase gives RESTSIGN_ERR_PASSPHRASE_MISSING without one; also
     * RESTSIGN_ERR_INVALID_PASSPHRASE and RESTSIGN_ERR_INVALID_BASE_URL.
     */
    static signer from_recipe(const recipe &r, bytes key, bytes secret, const signer_options &options,
                              std::error_code &ec) {
        restsign_signer_options *o = nullptr;
        if (detail::check(restsign_signer_options_new(&o), ec) != RESTSIGN_OK) return signer();
        std::unique_ptr<restsign_signer_options, detail::free_options> owned(o);
        restsign_status st = RESTSIGN_OK;
        if (options.has_passphrase_) {
            st = restsign_signer_options_set_passphrase(o, options.passphrase_.data(), options.passphrase_.size());
        }
        if (st == RESTSIGN_OK && options.nonce_) {
            // C would take NULL as "the default source": an empty nonce is an error, as in create().
            st = *options.nonce_ ? restsign_signer_options_set_nonce(o, options.nonce_->native_handle())
                                 : RESTSIGN_ERR_NULL_HANDLE;
        }
        if (st == RESTSIGN_OK && options.has_base_url_) {
            st = restsign_signer_options_set_base_url(o, options.base_url_.data(), options.base_url_.size());
        }
        restsign_signer *h = nullptr;
        if (st == RESTSIGN_OK) {
            st = restsign_signer_new_recipe(r.native_handle(), key.data(), key.size(), secret.data(), secret.size(), o, &h);
        }
        detail::check(st, ec);
        return signer(h);
    }
    static signer from_recipe(const recipe &r, bytes key, bytes secret, std::error_code &ec) {
        return from_recipe(r, key, secret, signer_options(), ec);
    }
    /** The same with the preset called `preset_name`. */
    static signer from_recipe(bytes preset_name, bytes key, bytes secret, const signer_options &options,
                              std::error_code &ec) {
        recipe r = recipe::preset(preset_name, ec);
        return r ? from_recipe(r, key, secret, options, ec) : signer();
    }
    static signer from_recipe(bytes preset_name, bytes key, bytes secret, std::error_code &ec) {
        return from_recipe(preset_name, key, secret, signer_options(), ec);
    }

    /**
     * The signature text (hex or base64; for mtgox-stream the whole signed call). `path` is signed
     * by apiauth and mtgox-v2 only, `nonce` by apiauth only (the others carry theirs in `payload`).
     */
    std::string sign(bytes method, bytes path, bytes payload, uint64_t nonce, std::error_code &ec) const {
        return call(restsign_signer_sign_into, method, path, payload, nonce, ec);
    }
    std::string sign(bytes method, bytes path, bytes payload, std::error_code &ec) const {
        return sign(method, path, payload, 0, ec);
    }
    /** Every header the scheme needs, as "Name: value\r\n" lines (mtgox-stream: RESTSIGN_ERR_NO_HEADERS). */
    std::string headers(bytes method, bytes path, bytes payload, uint64_t nonce, std::error_code &ec) const {
        return call(restsign_signer_headers_into, method, path, payload, nonce, ec);
    }
    std::string headers(bytes method, bytes path, bytes payload, std::error_code &ec) const {
        return headers(method, path, payload, 0, ec);
    }
    /** Draws the next nonce this signer's requests would use (0 on error). */
    uint64_t next_nonce(std::error_code &ec) const noexcept {
        uint64_t n = 0;
        detail::check(restsign_signer_next_nonce(h_.get(), &n), ec);
        return n;
    }
    /** The length of the signature text for a payload of `payload_len` bytes (0 on error). */
    std::size_t signature_length(std::size_t payload_len, std::error_code &ec) const noexcept {
        std::size_t n = 0;
        detail::check(restsign_signer_signature_len(h_.get(), payload_len, &n), ec);
        return n;
    }
    /** A request to build and sign with this signer (it keeps the signer alive). */
    inline ::restsign::request request(bytes method, bytes path, std::error_code &ec) const;

#if RESTSIGN_HPP_EXCEPTIONS
    signer(bytes scheme, bytes key, bytes secret) {
        std::error_code ec;
        *this = create(scheme, key, secret, ec);
        detail::throw_if(ec);
    }
    signer(bytes scheme, bytes key, bytes secret, const nonce &source) {
        std::error_code ec;
        *this = create(scheme, key, secret, source, ec);
        detail::throw_if(ec);
    }
    static signer from_recipe(const recipe &r, bytes key, bytes secret,
                              const signer_options &options = signer_options()) {
        std::error_code ec;
        return detail::or_throw(from_recipe(r, key, secret, options, ec), ec);
    }
    static signer from_recipe(bytes preset_name, bytes key, bytes secret,
                              const signer_options &options = signer_options()) {
        std::error_code ec;
        return detail::or_throw(from_recipe(preset_name, key, secret, options, ec), ec);
    }
    static signer shared(bytes scheme, bytes key, bytes secret, bytes path) {
        std::error_code ec;
        return detail::or_throw(shared(scheme, key, secret, path, ec), ec);
    }
    static signer shared(bytes scheme, bytes key, bytes secret) {
        std::error_code ec;
        return detail::or_throw(shared(scheme, key, secret, ec), ec);
    }
    std::string sign(bytes method, bytes path, bytes payload, uint64_t nonce = 0) const {
        std::error_code ec;
        return detail::or_throw(sign(method, path, payload, nonce, ec), ec);
    }
    std::string headers(bytes method, bytes path, bytes payload, uint64_t nonce = 0) const {
        std::error_code ec;
        return detail::or_throw(headers(method, path, payload, nonce, ec), ec);
    }
    uint64_t next_nonce() const {
        std::error_code ec;
        return detail::or_throw(next_nonce(ec), ec);
    }
    std::size_t signature_length(std::size_t payload_len) const {
        std::error_code ec;
        return detail::or_throw(signature_length(payload_len, ec), ec);
    }
    inline ::restsign::request request(bytes method, bytes path) const;
#endif

    /** The scheme names the library knows. */
    static std::vector<std::string> schemes() {
        std::vector<std::string> names;
        for (std::size_t i = 0, n = restsign_scheme_count(); i < n; i++) names.emplace_back(restsign_scheme_name(i));
        return names;
    }
    /** The library's version, "MAJOR.MINOR.PATCH". */
    static const char *version() noexcept { return restsign_version(); }

    explicit operator bool() const noexcept { return h_ != nullptr; }
    const restsign_signer *native_handle() const noexcept { return h_.get(); }

private:
    explicit signer(restsign_signer *h) noexcept : h_(h) {}
    static signer open_shared(bytes scheme, bytes key, bytes secret, const char *path, std::error_code &ec) {
        std::string storage;
        restsign_signer *h = nullptr;
        const char *s = detail::text(scheme, storage, RESTSIGN_ERR_UNKNOWN_SCHEME, ec);
        if (s) detail::check(restsign_signer_new_shared(s, key.data(), key.size(), secret.data(), secret.size(), path, &h), ec);
        return signer(h);
    }
    template <typename F>
    std::string call(F fn, bytes method, bytes path, bytes payload, uint64_t nonce, std::error_code &ec) const {
        std::string storage;
        const char *m = detail::text(method, storage, RESTSIGN_ERR_INVALID_METHOD, ec);
        if (!m) return std::string();
        const restsign_signer *h = h_.get();
        return detail::into([&](char *out, std::size_t cap, std::size_t *len) {
            return fn(h, m, path.data(), path.size(), payload.data(), payload.size(), nonce, out, cap, len);
        }, ec);
    }
    std::unique_ptr<restsign_signer, detail::free_signer> h_;
};

// ---- requests ----

/**
 * A request built, then signed, by the library; it keeps its signer alive. One thread at a time.
 * The readers (body, query, target, signature, header_block, headers, nonce) work once it is
 * signed (before: RESTSIGN_ERR_NOT_SIGNED); changing it unsigns it.
 */
class request {
public:
    request() noexcept = default;

    static ::restsign::request create(const signer &s, bytes method, bytes path, std::error_code &ec) {
        std::string storage;
        restsign_request *h = nullptr;
        const char *m = detail::text(method, storage, RESTSIGN_ERR_INVALID_METHOD, ec);
        if (m) detail::check(restsign_request_new(s.native_handle(), m, path.data(), path.size(), &h), ec);
        return ::restsign::request(h);
    }

    /** Adds a parameter (raw bytes; the library form-encodes them), kept in order. */
    ::restsign::request &param(bytes name, bytes value, std::error_code &ec) noexcept {
        detail::check(restsign_request_add_param(h_.get(), name.data(), name.size(), value.data(), value.size()), ec);
        return *this;
    }
    /** Sends `body` exactly as given instead of parameters (any nonce field in it is yours). */
    ::restsign::request &set_body(bytes body, std::error_code &ec) noexcept {
        detail::check(restsign_request_set_body(h_.get(), body.data(), body.size()), ec);
        return *this;
    }
    /** Sends a JSON object; the library adds the scheme's nonce member unless present. */
    ::restsign::request &set_json(bytes json, std::error_code &ec) noexcept {
        detail::check(restsign_request_set_json(h_.get(), json.data(), json.size()), ec);
        return *this;
    }
    /** Draws a nonce from the signer's source, builds the body or query, and signs. */
    ::restsign::request &sign(std::error_code &ec) noexcept {
        detail::check(restsign_request_sign(h_.get()), ec);
        return *this;
    }
    /** Signs with a nonce of your choosing, 1 to 2^63 - 1 (nothing is drawn). */
    ::restsign::request &sign_with_nonce(uint64_t nonce, std::error_code &ec) noexcept {
        detail::check(restsign_request_sign_with_nonce(h_.get(), nonce), ec);
        return *this;
    }
    /** Fixes the clock the request is signed at (ms since the epoch) instead of reading the system's. */
    ::restsign::request &set_time(uint64_t unix_ms, std::error_code &ec) noexcept {
        detail::check(restsign_request_set_time(h_.get(), unix_ms), ec);
        return *this;
    }
    /** Fixes the random UUID of recipes that draw one (36 characters; else RESTSIGN_ERR_INVALID_UUID). */
    ::restsign::request &set_uuid(bytes uuid, std::error_code &ec) noexcept {
        detail::check(restsign_request_set_uuid(h_.get(), uuid.data(), uuid.size()), ec);
        return *this;
    }
    /** The whole URL to send to: base URL, path and "?query". */
    std::string url(std::error_code &ec) const { return view(restsign_request_url, ec); }

    std::string body(std::error_code &ec) const { return view(restsign_request_body, ec); }
    std::string query(std::error_code &ec) const { return view(restsign_request_query, ec); }
    std::string target(std::error_code &ec) const { return view(restsign_request_target, ec); }
    std::string signature(std::error_code &ec) const { return view(restsign_request_signature, ec); }
    std::string header_block(std::error_code &ec) const { return view(restsign_request_header_block, ec); }
    /** Every header as "Name: value" (no CR LF), ready for curl_slist_append. */
    std::vector<std::string> headers(std::error_code &ec) const {
        std::vector<std::string> lines;
        std::size_t count = 0;
        if (detail::check(restsign_request_header_count(h_.get(), &count), ec) != RESTSIGN_OK) return lines;
        for (std::size_t i = 0; i < count; i++) {
            const char *line = nullptr;
            std::size_t len = 0;
            if (detail::check(restsign_request_header(h_.get(), i, &line, &len), ec) != RESTSIGN_OK) {
                return std::vector<std::string>();
            }
            lines.emplace_back(line, len);
        }
        return lines;
    }
    /** The nonce it was signed with (RESTSIGN_ERR_NO_NONCE for a raw body; 0 on error). */
    uint64_t nonce(std::error_code &ec) const noexcept {
        uint64_t n = 0;
        detail::check(restsign_request_nonce(h_.get(), &n), ec);
        return n;
    }

#if RESTSIGN_HPP_EXCEPTIONS
    ::restsign::request &param(bytes name, bytes value) {
        std::error_code ec;
        return *detail::or_throw(&param(name, value, ec), ec);
    }
    ::restsign::request &set_body(bytes body) {
        std::error_code ec;
        return *detail::or_throw(&set_body(body, ec), ec);
    }
    ::restsign::request &set_json(bytes json) {
        std::error_code ec;
        return *detail::or_throw(&set_json(json, ec), ec);
    }
    ::restsign::request &sign() {
        std::error_code ec;
        return *detail::or_throw(&sign(ec), ec);
    }
    ::restsign::request &sign_with_nonce(uint64_t nonce) {
        std::error_code ec;
        return *detail::or_throw(&sign_with_nonce(nonce, ec), ec);
    }
    ::restsign::request &set_time(uint64_t unix_ms) {
        std::error_code ec;
        return *detail::or_throw(&set_time(unix_ms, ec), ec);
    }
    ::restsign::request &set_uuid(bytes uuid) {
        std::error_code ec;
        return *detail::or_throw(&set_uuid(uuid, ec), ec);
    }
    std::string url() const {
        std::error_code ec;
        return detail::or_throw(url(ec), ec);
    }
    std::string body() const {
        std::error_code ec;
        return detail::or_throw(body(ec), ec);
    }
    std::string query() const {
        std::error_code ec;
        return detail::or_throw(query(ec), ec);
    }
    std::string target() const {
        std::error_code ec;
        return detail::or_throw(target(ec), ec);
    }
    std::string signature() const {
        std::error_code ec;
        return detail::or_throw(signature(ec), ec);
    }
    std::string header_block() const {
        std::error_code ec;
        return detail::or_throw(header_block(ec), ec);
    }
    std::vector<std::string> headers() const {
        std::error_code ec;
        return detail::or_throw(headers(ec), ec);
    }
    uint64_t nonce() const {
        std::error_code ec;
        return detail::or_throw(nonce(ec), ec);
    }
#endif

    explicit operator bool() const noexcept { return h_ != nullptr; }
    restsign_request *native_handle() const noexcept { return h_.get(); }

private:
    explicit request(restsign_request *h) noexcept : h_(h) {}
    template <typename F>
    std::string view(F fn, std::error_code &ec) const {
        restsign_request *h = h_.get();
        return detail::view([&](const char **data, std::size_t *len) { return fn(h, data, len); }, ec);
    }
    std::unique_ptr<restsign_request, detail::free_request> h_;
};

inline ::restsign::request signer::request(bytes method, bytes path, std::error_code &ec) const {
    return ::restsign::request::create(*this, method, path, ec);
}
#if RESTSIGN_HPP_EXCEPTIONS
inline ::restsign::request signer::request(bytes method, bytes path) const {
    std::error_code ec;
    return detail::or_throw(::restsign::request::create(*this, method, path, ec), ec);
}
#endif

// ---- the server side ----

/** The details of one check (reused: each check overwrites it). One thread at a time. */
class verdict {
public:
    static verdict create(std::error_code &ec) {
        restsign_verdict *h = nullptr;
        detail::check(restsign_verdict_new(&h), ec);
        return verdict(h);
    }
#if RESTSIGN_HPP_EXCEPTIONS
    verdict() {
        std::error_code ec;
        *this = create(ec);
        detail::throw_if(ec);
    }
#endif

    /** The status of the last check (RESTSIGN_ERR_NOT_CHECKED before one). */
    restsign_status status() const noexcept { return restsign_verdict_status(h_.get()); }
    bool ok() const noexcept { return status() == RESTSIGN_OK; }
    /** Why: for a malformed request what is missing, otherwise restsign_strerror(status()). */
    const char *reason() const noexcept { return restsign_verdict_reason(h_.get()); }
    /** The request's key (RESTSIGN_ERR_NO_KEY if it named none). */
    std::string key(std::error_code &ec) const { return text(restsign_verdict_key, ec); }
    /** The nonce accepted, or the stale one refused (RESTSIGN_ERR_NO_NONCE otherwise). */
    uint64_t nonce(std::error_code &ec) const noexcept {
        uint64_t n = 0;
        detail::check(restsign_verdict_nonce(h_.get(), &n), ec);
        return n;
    }
    /** After a bad signature, the bytes that should have been signed. For the server's log only. */
    std::string expected_message(std::error_code &ec) const { return text(restsign_verdict_expected_message, ec); }
    /** After a bad signature, the signature that should have been sent. Never send it back. */
    std::string expected_signature(std::error_code &ec) const { return text(restsign_verdict_expected_signature, ec); }
    /** After a bad signature, the signature the request carried (for a mismatched part, what it carried there). */
    std::string received_signature(std::error_code &ec) const { return text(restsign_verdict_received_signature, ec); }
    /**
     * The part of the request the verdict is about (check_request only): for a malformed request
     * the part missing or unreadable ("header OK-ACCESS-TIMESTAMP"), for a bad signature with a
     * correct signature the computed part that does not match ("passphrase"). RESTSIGN_ERR_NO_PART
     * when the verdict names none.
     */
    std::string part(std::error_code &ec) const { return text(restsign_verdict_part, ec); }
#if RESTSIGN_HPP_EXCEPTIONS
    std::string key() const {
        std::error_code ec;
        return detail::or_throw(key(ec), ec);
    }
    uint64_t nonce() const {
        std::error_code ec;
        return detail::or_throw(nonce(ec), ec);
    }
    std::string expected_message() const {
        std::error_code ec;
        return detail::or_throw(expected_message(ec), ec);
    }
    std::string expected_signature() const {
        std::error_code ec;
        return detail::or_throw(expected_signature(ec), ec);
    }
    std::string received_signature() const {
        std::error_code ec;
        return detail::or_throw(received_signature(ec), ec);
    }
    std::string part() const {
        std::error_code ec;
        return detail::or_throw(part(ec), ec);
    }
#endif

    explicit operator bool() const noexcept { return h_ != nullptr; }
    restsign_verdict *native_handle() const noexcept { return h_.get(); }

private:
    explicit verdict(restsign_verdict *h) noexcept : h_(h) {}
    template <typename F>
    std::string text(F fn, std::error_code &ec) const {
        const restsign_verdict *h = h_.get();
        return detail::into([&](char *out, std::size_t cap, std::size_t *len) { return fn(h, out, cap, len); }, ec);
    }
    std::unique_ptr<restsign_verdict, detail::free_verdict> h_;
};

/**
 * Checks received requests for one scheme against a table of keys, with replay protection. Any
 * number of threads may check at once, each with its own verdict.
 */
class verifier {
public:
    verifier() noexcept = default;

    /** A verifier knowing one key; replay state in this process's memory. */
    static verifier create(bytes scheme, bytes key, bytes secret, std::error_code &ec) {
        return open(scheme, key, secret, false, nullptr, ec);
    }
    /** Replay state in files under `state_dir`, shared by every process that uses it. */
    static verifier shared(bytes scheme, bytes key, bytes secret, bytes state_dir, std::error_code &ec) {
        std::string storage;
        const char *d = detail::text(state_dir, storage, RESTSIGN_ERR_NONCE_STATE_IO, ec);
        return d ? open(scheme, key, secret, true, d, ec) : verifier();
    }
    /** The same in restsign's default directory. */
    static verifier shared(bytes scheme, bytes key, bytes secret, std::error_code &ec) {
        return open(scheme, key, secret, true, nullptr, ec);
    }
    /** Adds a key, or replaces its secret (its replay state is kept). */
    void add_key(bytes key, bytes secret, std::error_code &ec) const noexcept {
        detail::check(restsign_verifier_add_key(h_.get(), key.data(), key.size(), secret.data(), secret.size()), ec);
    }
    /**
     * Adds a key with its passphrase (OKX, KuCoin, Coinbase Exchange, Bitget, Blofin), or replaces
     * its secret and passphrase (its replay state is kept). check_request then refuses a request
     * that carries another passphrase (RESTSIGN_ERR_BAD_SIGNATURE, part "passphrase"), and
     * KuCoin's signed passphrase is signed with this one. A key added without one (create,
     * add_key) takes the passphrase its request carries, except for KuCoin.
     */
    void add_key_with_passphrase(bytes key, bytes secret, bytes passphrase, std::error_code &ec) const noexcept {
        detail::check(restsign_verifier_add_key_passphrase(h_.get(), key.data(), key.size(), secret.data(), secret.size(),
                                                           passphrase.data(), passphrase.size()),
                      ec);
    }
    /**
     * How far, in milliseconds either way, a request's timestamp may be from the server's clock
     * for check_request (else RESTSIGN_ERR_OUTSIDE_WINDOW), and how long an accepted request is
     * remembered to refuse its replay (RESTSIGN_ERR_REPLAYED). Call it before any other thread
     * uses the verifier.
     */
    void set_window_ms(uint64_t ms, std::error_code &ec) noexcept {
        detail::check(restsign_verifier_set_window_ms(h_.get(), ms), ec);
    }
    /**
     * Checks one whole received request against the verifier's recipe, any recipe (timestamps,
     * passphrases, signature parameters, JWTs too); `out` gets the details. `target` is the path
     * with "?query" as received, `headers` the received "Name: value\r\n" lines (all of them or at
     * least the recipe's), `body` the exact bytes received. The code is clear when the request is
     * correctly signed by a known key and fresh (it is then remembered); a rejection
     * (is_rejection()) is also RESTSIGN_ERR_OUTSIDE_WINDOW or _REPLAYED, and for a malformed
     * request out.part() names what is missing.
     */
    void check_request(bytes method, bytes target, bytes headers, bytes body, verdict &out, std::error_code &ec) const {
        std::string storage;
        const char *m = method.has_nul() ? "" : method.c_str(storage);  // as in check
        detail::check(restsign_verifier_check_request(h_.get(), m, target.data(), target.size(), headers.data(),
                                                      headers.size(), body.data(), body.size(), out.native_handle()),
                      ec);
    }
    /**
     * The same with the headers as (name, value) pairs: a std::map, a std::vector of
     * std::pair, ... (a line break inside a value is unfolded to a space, as for a folded
     * header; a bad name is std::errc::invalid_argument).
     */
    template <typename Pairs, typename = decltype(std::declval<const Pairs &>().begin()->second)>
    void check_request(bytes method, bytes target, const Pairs &headers, bytes body, verdict &out, std::error_code &ec) const {
        std::string block = detail::header_block(headers, ec);
        if (!ec) check_request(method, target, bytes(block), body, out, ec);
    }
    /**
     * Checks one received request; `out` gets the details. The code is clear when it is correctly
     * signed by a known key with a fresh nonce (then recorded); a rejection (is_rejection()) is
     * RESTSIGN_ERR_BAD_SIGNATURE, _STALE_NONCE, _MALFORMED or _UNKNOWN_KEY. `headers` are the
     * received "Name: value\r\n" lines; `payload` the body (or query string, see restsign.h).
     * Recipes it cannot follow (a timestamp, a passphrase, ...) give RESTSIGN_ERR_VERIFY_UNSUPPORTED:
     * use check_request.
     */
    void check(bytes method, bytes path, bytes headers, bytes payload, verdict &out, std::error_code &ec) const {
        std::string storage;
        // A method with a NUL is no HTTP token: given empty, the library judges the request malformed.
        const char *m = method.has_nul() ? "" : method.c_str(storage);
        detail::check(restsign_verifier_check(h_.get(), m, path.data(), path.size(), headers.data(), headers.size(),
                                              payload.data(), payload.size(), out.native_handle()),
                      ec);
    }

#if RESTSIGN_HPP_EXCEPTIONS
    verifier(bytes scheme, bytes key, bytes secret) {
        std::error_code ec;
        *this = create(scheme, key, secret, ec);
        detail::throw_if(ec);
    }
    static verifier shared(bytes scheme, bytes key, bytes secret, bytes state_dir) {
        std::error_code ec;
        return detail::or_throw(shared(scheme, key, secret, state_dir, ec), ec);
    }
    static verifier shared(bytes scheme, bytes key, bytes secret) {
        std::error_code ec;
        return detail::or_throw(shared(scheme, key, secret, ec), ec);
    }
    void add_key(bytes key, bytes secret) const {
        std::error_code ec;
        add_key(key, secret, ec);
        detail::throw_if(ec);
    }
    /** As above; throws restsign::error for a rejection too (out still has the details). */
    void check(bytes method, bytes path, bytes headers, bytes payload, verdict &out) const {
        std::error_code ec;
        check(method, path, headers, payload, out, ec);
        detail::throw_if(ec);
    }
    void add_key_with_passphrase(bytes key, bytes secret, bytes passphrase) const {
        std::error_code ec;
        add_key_with_passphrase(key, secret, passphrase, ec);
        detail::throw_if(ec);
    }
    void set_window_ms(uint64_t ms) {
        std::error_code ec;
        set_window_ms(ms, ec);
        detail::throw_if(ec);
    }
    /** As above; throws restsign::error for a rejection too (out still has the details). */
    void check_request(bytes method, bytes target, bytes headers, bytes body, verdict &out) const {
        std::error_code ec;
        check_request(method, target, headers, body, out, ec);
        detail::throw_if(ec);
    }
    template <typename Pairs, typename = decltype(std::declval<const Pairs &>().begin()->second)>
    void check_request(bytes method, bytes target, const Pairs &headers, bytes body, verdict &out) const {
        std::error_code ec;
        check_request(method, target, headers, body, out, ec);
        detail::throw_if(ec);
    }
#endif

    explicit operator bool() const noexcept { return h_ != nullptr; }
    const restsign_verifier *native_handle() const noexcept { return h_.get(); }

private:
    explicit verifier(restsign_verifier *h) noexcept : h_(h) {}
    static verifier open(bytes scheme, bytes key, bytes secret, bool shared, const char *dir, std::error_code &ec) {
        std::string storage;
        restsign_verifier *h = nullptr;
        const char *s = detail::text(scheme, storage, RESTSIGN_ERR_UNKNOWN_SCHEME, ec);
        if (s && shared) {
            detail::check(restsign_verifier_new_shared(s, key.data(), key.size(), secret.data(), secret.size(), dir, &h), ec);
        } else if (s) {
            detail::check(restsign_verifier_new(s, key.data(), key.size(), secret.data(), secret.size(), &h), ec);
        }
        return verifier(h);
    }
    std::unique_ptr<restsign_verifier, detail::free_verifier> h_;
};

}  // namespace restsign

#endif  // RESTSIGN_HPP
