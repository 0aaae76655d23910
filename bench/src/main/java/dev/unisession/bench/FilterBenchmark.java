package dev.unisession.bench;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.store.MemoryStore;
import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.TokenKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The per-request work of the filter's core on the memory store, and its parts. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FilterBenchmark {

    private SessionEngine engine;
    private AttributeCodec codec;
    private SessionTokenCodec tokens;
    private String token;
    private String sessionId;
    private byte[] listBytes;
    private final List<String> list = new ArrayList<>(List.of("apple", "pear", "plum"));

    @Setup
    public void setUp() {
        codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        engine = newEngine();
        createEngine = newEngine();
        tokens = new SessionTokenCodec(
                SessionTokenCodec.Mode.HS256,
                TokenKeys.random(SessionTokenCodec.Mode.HS256),
                Duration.ofHours(24),
                Duration.ofSeconds(30),
                Clock.systemUTC(),
                "bench",
                Duration.ZERO);
        ActiveSession s = engine.create(engine.now());
        s.setAttribute("user", "alice");
        s.setAttribute("role", "member");
        s.setAttribute("visits", 1);
        engine.commit(s);
        sessionId = s.id();
        token = tokens.issue(sessionId, 1800);
        listBytes = codec.encode("list", list);
        manySessions = new String[10_000];
        for (int i = 0; i < manySessions.length; i++) {
            ActiveSession m = engine.create(engine.now());
            m.setAttribute("user", "user" + i);
            m.setAttribute("role", "member");
            m.setAttribute("visits", i);
            engine.commit(m);
            manySessions[i] = tokens.issue(m.id(), 1800);
            tokens.verify(manySessions[i]);
        }
        java.util.Collections.shuffle(java.util.Arrays.asList(manySessions), new java.util.Random(7));
        manyTokens = new String[100_000];
        for (int i = 0; i < manyTokens.length; i++) manyTokens[i] = tokens.issue(engine.newId(), 1800);
    }

    /** A read-only request: verify the cookie, load, read three attributes, commit (touch). */
    @Benchmark
    public Object readRequest() {
        return read(token);
    }

    private Object read(String cookie) {
        String sid = tokens.verify(cookie).token().sessionId();
        ActiveSession s = engine.load(sid, engine.now());
        Object a = s.getAttribute("user");
        s.getAttribute("role");
        s.getAttribute("visits");
        engine.commit(s);
        return a;
    }

    /**
     * {@link #readRequest} over 10,000 sessions in turn (as the Tomcat benchmark's load), each cookie a new string
     * (as parsed from a request): what a request costs when its session and token are not in the CPU's caches.
     */
    @Benchmark
    public Object readRequestOfManySessions() {
        int i = nextSession++;
        if (nextSession == manySessions.length) nextSession = 0;
        return read(new String(manySessions[i]));
    }

    private String[] manySessions;
    private int nextSession;

    /** A request that changes one attribute. */
    @Benchmark
    public long writeRequest() {
        ActiveSession s = engine.load(sessionId, engine.now());
        s.setAttribute("visits", (int) System.nanoTime());
        return engine.commit(s);
    }

    /** A request that creates a session with one attribute: the id, the save and the cookie's token. */
    @Benchmark
    public String createRequest() {
        // A store of its own, replaced every 10,000 sessions: deleting each session again (as before) left a
        // tombstone per session for 30 s, millions of them, and measured their garbage (5 to 28 µs per iteration).
        if (++created % 10_000 == 0) createEngine = newEngine();
        ActiveSession s = createEngine.create(createEngine.now());
        s.setAttribute("user", "bob");
        createEngine.commit(s);
        return tokens.issue(s.id(), s.maxInactiveSeconds());
    }

    private SessionEngine createEngine;
    private long created;

    private SessionEngine newEngine() {
        return new SessionEngine(new MemoryStore(), codec, Clock.systemUTC(), 1800, 0, "bench");
    }

    @Benchmark
    public String tokenSign() {
        return tokens.issue(sessionId, 1800);
    }

    @Benchmark
    public Object tokenVerifyCached() {
        return tokens.verify(token);
    }

    /** Tokens of many sessions, more than the cache of verified tokens holds: a check that misses it. */
    private String[] manyTokens;

    private int next;

    @Benchmark
    public Object tokenVerifyUncached() {
        int i = next++;
        if (next == manyTokens.length) next = 0;
        return tokens.verify(manyTokens[i]);
    }

    @Benchmark
    public byte[] codecEncodeList() {
        return codec.encode("list", list);
    }

    @Benchmark
    public Object codecDecodeList() {
        return codec.decode(listBytes);
    }

    /** Change detection: re-encoding a value that was read and comparing. */
    @Benchmark
    public Object deltaOfReadSession() {
        ActiveSession s = engine.load(sessionId, engine.now());
        s.getAttribute("user");
        return s.delta();
    }
}
