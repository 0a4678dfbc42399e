/*
 * portlocal's JNI shim for pipes: Netty exposes splice(2) but not fcntl(F_SETPIPE_SZ), and its pipe() lacks
 * O_CLOEXEC. Two functions, no state. Errors come back as -errno so Java can tell EPERM (quota) from the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <jni.h>

/* Creates a non-blocking, close-on-exec pipe and stores [read, write] in fds. Returns 0 or -errno. */
JNIEXPORT jint JNICALL Java_dev_portlocal_tcp_pipe_PipeNative_pipe0(JNIEnv *env, jclass clazz, jintArray fds) {
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
        return -errno;
    }
    jint out[2] = {p[0], p[1]};
    (*env)->SetIntArrayRegion(env, fds, 0, 2, out);
    return 0;
}

/* fcntl(fd, F_SETPIPE_SZ, size): returns the new capacity, or -errno (EPERM over the per-user quota). */
JNIEXPORT jint JNICALL Java_dev_portlocal_tcp_pipe_PipeNative_setSize0(JNIEnv *env, jclass clazz, jint fd, jint size) {
    int r = fcntl(fd, F_SETPIPE_SZ, size);
    return r < 0 ? -errno : r;
}

/* fcntl(fd, F_GETPIPE_SZ): the capacity, or -errno. */
JNIEXPORT jint JNICALL Java_dev_portlocal_tcp_pipe_PipeNative_getSize0(JNIEnv *env, jclass clazz, jint fd) {
    int r = fcntl(fd, F_GETPIPE_SZ);
    return r < 0 ? -errno : r;
}
