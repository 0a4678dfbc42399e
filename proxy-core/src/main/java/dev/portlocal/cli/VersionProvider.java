package dev.portlocal.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest ({@code Implementation-Version}), or "dev" when run from classes. */
final class VersionProvider implements IVersionProvider {

    static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"portlocal " + version()};
    }
}
