package dev.portlocal.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs POSIX signal handlers through {@code sun.misc.Signal} (module jdk.unsupported), reached by reflection so
 * the build stays free of internal-API warnings. Without a handler, SIGTERM runs shutdown hooks and exits with 143;
 * with one, the daemon drains and exits 0.
 */
public final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Runs {@code action} on a JVM signal thread each time {@code name} (e.g. "TERM") arrives. */
    public static boolean on(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            InvocationHandler ih = (Object proxy, Method method, Object[] args) -> {
                if ("handle".equals(method.getName())) {
                    action.run();
                    return null;
                }
                if ("toString".equals(method.getName())) {
                    return "portlocal SIG" + name + " handler";
                }
                if ("hashCode".equals(method.getName())) {
                    return System.identityHashCode(proxy);
                }
                if ("equals".equals(method.getName())) {
                    return proxy == args[0];
                }
                return null;
            };
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.atWarn().setMessage("signal_handler_unavailable")
                    .addKeyValue("signal", name)
                    .addKeyValue("error", e.toString())
                    .log();
            return false;
        }
    }
}
