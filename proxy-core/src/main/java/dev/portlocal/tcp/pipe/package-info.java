/**
 * Splice: kernel pipes (a bounded pool per event loop, sized with {@code F_SETPIPE_SZ} through a small JNI shim
 * built from {@code src/main/c}), the splice conduit, and the policy that says when a direction splices.
 *
 * <p>Threading: event loop only, except {@link dev.portlocal.tcp.pipe.PipeNative#available()}.
 */
package dev.portlocal.tcp.pipe;
