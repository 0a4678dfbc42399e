package dev.portlocal;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The control plane's package rules, checked on the compiled classes. The model, the allocator, the reconciler,
 * the seam to the data plane, the mapping file, the endpoint reader and the state store use no Netty: they stay
 * testable without channels, and the data plane stays behind {@code PortOpener}. Only the HTTP API ({@code api})
 * and the Kubernetes source may.
 */
@AnalyzeClasses(packages = "dev.portlocal", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule CONTROL_PLANE_USES_NO_NETTY = noClasses()
            .that().resideInAnyPackage("dev.portlocal.model..", "dev.portlocal.allocator..",
                    "dev.portlocal.control..", "dev.portlocal.dataplane..", "dev.portlocal.file..",
                    "dev.portlocal.reader..", "dev.portlocal.state..")
            .should().dependOnClassesThat().resideInAPackage("io.netty..");

    @ArchTest
    static final ArchRule MODEL_DEPENDS_ON_NO_OTHER_PACKAGE = noClasses()
            .that().resideInAPackage("dev.portlocal.model..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portlocal.allocator..", "dev.portlocal.api..",
                    "dev.portlocal.control..", "dev.portlocal.dataplane..", "dev.portlocal.file..",
                    "dev.portlocal.kubernetes..", "dev.portlocal.reader..", "dev.portlocal.state..");

    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.portlocal.(*)..").should().beFreeOfCycles();
}
