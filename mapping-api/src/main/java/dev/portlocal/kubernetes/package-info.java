/**
 * The Kubernetes source: watches this node's Pods, every Service and this Node, turns them into the desired
 * endpoints of {@link dev.portlocal.model.Source#KUBERNETES} with NodePortLocal's rules, and publishes each Pod's
 * node ports in its {@code nodeportlocal.antrea.io} annotation.
 *
 * <p>Threading: the translation ({@link dev.portlocal.kubernetes.NplTranslator}) and the annotation codec are pure
 * and thread-safe. {@link dev.portlocal.kubernetes.KubernetesSource} reads the informers' caches and calls the
 * {@link dev.portlocal.control.MappingService} only on the daemon's one control thread; informer callbacks only
 * ask for a reconcile there. {@link dev.portlocal.kubernetes.AnnotationWriter} patches Pods on its own worker
 * threads, one patch in flight per Pod.
 */
package dev.portlocal.kubernetes;
