package dev.portlocal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.slf4j.LoggerFactory;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The data plane's and the daemon's package rules, checked on the compiled classes (mapping-api's are on the
 * class path and checked too; its own {@code ArchitectureTest} keeps Netty out of the control plane):
 * <ul>
 *   <li>TCP and UDP are side by side: neither imports the other.</li>
 *   <li>{@code net} is what both share, so it imports neither, nor the dispatcher above them.</li>
 *   <li>The daemon and the CLI are the top: nothing imports them, except the CLI, whose {@code run},
 *       {@code check} and {@code demo} commands build and start a {@code Daemon} from a {@code DaemonConfig}.</li>
 *   <li>No package cycles, neither between the top-level packages nor between any two packages.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "dev.portlocal", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    static {
        // The importer logs every class it reads at debug.
        ((Logger) LoggerFactory.getLogger("com.tngtech.archunit")).setLevel(Level.INFO);
    }

    @ArchTest
    static final ArchRule TCP_DOES_NOT_IMPORT_UDP = noClasses()
            .that().resideInAPackage("dev.portlocal.tcp..")
            .should().dependOnClassesThat().resideInAPackage("dev.portlocal.udp..");

    @ArchTest
    static final ArchRule UDP_DOES_NOT_IMPORT_TCP = noClasses()
            .that().resideInAPackage("dev.portlocal.udp..")
            .should().dependOnClassesThat().resideInAPackage("dev.portlocal.tcp..");

    @ArchTest
    static final ArchRule NET_IMPORTS_NO_PROTOCOL = noClasses()
            .that().resideInAPackage("dev.portlocal.net..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portlocal.tcp..", "dev.portlocal.udp..",
                    "dev.portlocal.proxy..", "dev.portlocal.metrics..");

    @ArchTest
    static final ArchRule PLANES_DO_NOT_IMPORT_THE_DISPATCHER = noClasses()
            .that().resideInAnyPackage("dev.portlocal.tcp..", "dev.portlocal.udp..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portlocal.proxy..", "dev.portlocal.metrics..");

    @ArchTest
    static final ArchRule NOTHING_IMPORTS_THE_DAEMON = noClasses()
            .that().resideOutsideOfPackages("dev.portlocal.daemon..", "dev.portlocal.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.portlocal.daemon..");

    @ArchTest
    static final ArchRule NOTHING_IMPORTS_THE_CLI = noClasses()
            .that().resideOutsideOfPackage("dev.portlocal.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.portlocal.cli..");

    @ArchTest
    static final ArchRule NO_CYCLES_BETWEEN_TOP_LEVEL_PACKAGES = slices().matching("dev.portlocal.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule NO_CYCLES_BETWEEN_ANY_PACKAGES = slices().matching("dev.portlocal.(**)")
            .should().beFreeOfCycles();
}
