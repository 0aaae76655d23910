package dev.unisession.boot;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.codec.FrameworkProfile;
import dev.unisession.config.UnisessionConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Builds the parts a configuration describes. */
public final class Bootstrap {

    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    private Bootstrap() {
    }

    /**
     * The codec a web application's settings describe: {@code unisession.codec.allow} plus {@code extraAllow},
     * the profiles {@code unisession.codec.profiles} selects from what {@code loader} can see, and
     * {@code unisession.codec.mode}. Logs the profiles in use, and a warning in report mode.
     *
     * @throws IllegalArgumentException naming the key, for an unknown profile or a bad pattern
     */
    public static AttributeCodec codec(UnisessionConfig config, ClassLoader loader, Predicate<String> appClass,
                                       List<String> extraAllow) {
        List<String> allow = new ArrayList<>(config.codecAllow());
        allow.addAll(extraAllow);
        List<FrameworkProfile> profiles = FrameworkProfile.select(config.codecProfiles(), loader);
        LOG.log(System.Logger.Level.INFO, "unisession session attribute profiles ({0}={1}): {2}",
                UnisessionConfig.Key.CODEC_PROFILES.key(), String.join(",", config.codecProfiles()),
                profiles.isEmpty() ? "none" : profiles.toString());
        if (config.codecMode() == AttributeCodec.Mode.REPORT) {
            LOG.log(System.Logger.Level.WARNING, "{0}=report: classes that are not allowed are STORED and logged "
                    + "once each. For development only: do not run this in production",
                    UnisessionConfig.Key.CODEC_MODE.key());
        }
        return new AttributeCodec(loader, appClass, new AttributeCodec.Policy(allow, profiles, config.codecMode(),
                        new AttributeCodec.Limits(config.codecMaxDepth(), config.codecMaxReferences(),
                                config.codecMaxArrayLength())),
                config.maxAttributeBytes(), config.maxSessionBytes());
    }
}
