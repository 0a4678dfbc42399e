package dev.portlocal.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.Instant;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * How the last reload of the configuration went: a SIGHUP (config and mapping file), or the watcher's reading of a
 * changed mapping file. Shown in {@code GET /v1/info} as
 * {@code "reload": {"lastSuccessful": false, "lastSuccessTime": "2025-01-31T12:00:00Z", "errors": ["..."]}} and
 * exported as {@code portlocal_config_last_reload_successful} and
 * {@code portlocal_config_last_reload_success_timestamp_seconds}; the start counts as the first success.
 *
 * @param lastSuccessful true if the last reload was applied; false if it was refused and the old state serves on
 * @param lastSuccess    when a reload (or the start) last succeeded
 * @param errors         why the last reload was refused, one line each; empty after a success
 */
@JsonPropertyOrder({"lastSuccessful", "lastSuccessTime", "errors"})
public record ReloadStatus(boolean lastSuccessful, @JsonIgnore Instant lastSuccess, List<String> errors) {

    public ReloadStatus {
        requireNonNull(lastSuccess, "lastSuccess");
        errors = List.copyOf(requireNonNull(errors, "errors"));
        if (lastSuccessful != errors.isEmpty()) {
            throw new IllegalArgumentException("errors: " + errors + " (expected: errors exactly when it failed)");
        }
    }

    /** A success at {@code at}. */
    public static ReloadStatus succeeded(Instant at) {
        return new ReloadStatus(true, at, List.of());
    }

    /** A failure for {@code why} now; the last success stays as it was. */
    public ReloadStatus failed(List<String> why) {
        if (why.isEmpty()) {
            throw new IllegalArgumentException("why: [] (expected: at least one error)");
        }
        return new ReloadStatus(false, lastSuccess, why);
    }

    /** {@link #lastSuccess} in ISO-8601, for the JSON. */
    @JsonProperty("lastSuccessTime")
    public String lastSuccessTime() {
        return lastSuccess.toString();
    }
}
