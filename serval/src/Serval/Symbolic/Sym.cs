using System.Runtime.CompilerServices;
using Serval.Profiling;
using Serval.Smt;

namespace Serval.Symbolic;

/// <summary>
/// The symbolic evaluation context of the calling thread, as static methods: the path condition, assumptions and
/// assertions (<see cref="Assume"/>, <see cref="Assert"/>, <see cref="BugOn"/>), branching with merging
/// (<see cref="If{T}(Bool, Func{T}, Func{T}, string, string, int)"/>), splitting over unions
/// (<see cref="ForAll{T, TResult}(Union{T}, Func{T, TResult}, string, string, int)"/>), and the queries
/// <see cref="Verify(Action, VerifyOptions?, CancellationToken)"/> and <see cref="Solve(Action, VerifyOptions?, CancellationToken)"/>.
/// Code that never branches on a symbolic value runs at concrete speed: a concrete condition runs one branch only.
/// </summary>
public static class Sym
{
    [ThreadStatic]
    private static Bool _pathCondition;

    [ThreadStatic]
    private static bool _hasPathCondition;

    [ThreadStatic]
    private static VerificationConditions? _vc;

    /// <summary>The conjunction of the branch conditions leading to the current point (true at top level).</summary>
    public static Bool PathCondition => _hasPathCondition ? _pathCondition : Bool.True;

    /// <summary>The verification conditions of the innermost scope.</summary>
    public static VerificationConditions Current => _vc ??= new VerificationConditions();

    /// <summary>Assumes <paramref name="condition"/> on the current path.</summary>
    /// <exception cref="PathFailedException">The assumption is concretely false: the path is infeasible.</exception>
    public static void Assume(Bool condition)
    {
        var guarded = PathCondition.Implies(condition);
        Current.AddAssumption(guarded);
        if (condition.IsFalse)
        {
            throw new PathFailedException("assumed false");
        }
    }

    /// <summary>Asserts <paramref name="condition"/> on the current path.</summary>
    /// <param name="condition">What must hold.</param>
    /// <param name="message">What the assertion checks.</param>
    /// <param name="location">The interpreter's location (program counter, source line), if any.</param>
    /// <param name="callerFile">Filled in by the compiler.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <exception cref="PathFailedException">
    /// The condition is concretely false: the path fails (the failure stays recorded as <c>¬pc</c>).
    /// </exception>
    public static void Assert(Bool condition, string message = "assertion", Location? location = null,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0)
    {
        if (condition.IsTrue)
        {
            return;
        }
        var guarded = PathCondition.Implies(condition);
        Current.AddAssertion(new Assertion(guarded, message, location, callerFile, callerLine));
        if (condition.IsFalse)
        {
            throw new PathFailedException($"assertion failed: {message}" + (location is null ? "" : $" at {location}"));
        }
    }

    /// <summary>Serval's <c>bug-on</c>: asserts that <paramref name="bug"/> does not hold on the current path.</summary>
    /// <exception cref="PathFailedException">The bug certainly happens on this path.</exception>
    public static void BugOn(Bool bug, string message, Location? location = null,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
        Assert(!bug, message, location, callerFile, callerLine);

    /// <summary>
    /// Forgets the assumptions and assertions recorded at the top level of the calling thread (Rosette's
    /// <c>clear-vc!</c>); scopes opened by <see cref="WithVc(Action)"/> are unaffected.
    /// </summary>
    public static void ClearVc() => _vc = null;

    /// <summary>Runs <paramref name="body"/> in a fresh scope and returns the conditions it recorded (not added outside).</summary>
    public static VerificationConditions WithVc(Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return WithVc(() =>
        {
            body();
            return 0;
        }).Conditions;
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a fresh scope; returns its result and the conditions it recorded. A path
    /// failure inside ends the body: the result is then default and the failure is in the conditions.
    /// </summary>
    public static (T? Result, VerificationConditions Conditions) WithVc<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var outer = _vc;
        var scope = new VerificationConditions();
        _vc = scope;
        try
        {
            return (body(), scope);
        }
        catch (PathFailedException)
        {
            return (default, scope);
        }
        finally
        {
            _vc = outer;
        }
    }

    /// <summary><c>condition ? then : else</c> for any value type the evaluator can merge.</summary>
    public static T Merge<T>(Bool condition, T then, T @else) => Merger.Merge(condition, then, @else);

    /// <summary>
    /// Runs <paramref name="then"/> under <c>pc ∧ condition</c> and <paramref name="else"/> under <c>pc ∧ ¬condition</c>
    /// and merges their results. With a concrete condition only one branch runs. A branch whose path fails is
    /// dropped.
    /// </summary>
    public static T If<T>(Bool condition, Func<T> then, Func<T> @else,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(then);
        ArgumentNullException.ThrowIfNull(@else);
        if (condition.TryGetValue(out var value))
        {
            return value ? then() : @else();
        }
        var site = Profiler.Enter(member, file, line);
        try
        {
            var (thenOk, thenResult) = RunBranch(condition, then);
            var (elseOk, elseResult) = RunBranch(!condition, @else);
            if (!thenOk && !elseOk)
            {
                throw new PathFailedException("both branches failed");
            }
            if (!thenOk)
            {
                return elseResult!;
            }
            if (!elseOk)
            {
                return thenResult!;
            }
            Profiler.OnMerge();
            return Merger.Merge(condition, thenResult!, elseResult!);
        }
        finally
        {
            Profiler.Exit(site);
        }
    }

    /// <summary>Runs both branches under their path conditions for their assertions and assumptions only.</summary>
    public static void If(Bool condition, Action then, Action @else,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(then);
        ArgumentNullException.ThrowIfNull(@else);
        If(condition, () =>
        {
            then();
            return 0;
        }, () =>
        {
            @else();
            return 0;
        }, member, file, line);
    }

    /// <summary>
    /// Runs <paramref name="then"/> and <paramref name="else"/>, which mutate <paramref name="state"/>, each from the
    /// state before the branch, then leaves in <paramref name="state"/> the merge of what they produced.
    /// </summary>
    public static void If<TState>(Bool condition, TState state, Action then, Action @else,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        where TState : class, ISymbolicState<TState>
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(then);
        ArgumentNullException.ThrowIfNull(@else);
        if (condition.TryGetValue(out var value))
        {
            (value ? then : @else)();
            return;
        }
        var start = state.Fork();
        var merged = If(condition, () =>
        {
            then();
            var result = state.Fork();
            state.Assign(start.Fork());
            return result;
        }, () =>
        {
            state.Assign(start.Fork());
            @else();
            return state.Fork();
        }, member, file, line);
        state.Assign(merged);
    }

    /// <summary>
    /// Serval's split-pc: runs <paramref name="body"/> once per member of <paramref name="union"/>, under that
    /// member's guard, and merges the results.
    /// </summary>
    public static TResult ForAll<T, TResult>(Union<T> union, Func<T, TResult> body,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(union);
        ArgumentNullException.ThrowIfNull(body);
        var site = Profiler.Enter(member, file, line);
        try
        {
            var results = new List<(Bool Guard, TResult Value)>(union.Count);
            foreach (var (guard, value) in union.Members)
            {
                var (ok, result) = RunBranch(guard, () => body(value));
                if (ok)
                {
                    results.Add((guard, result!));
                }
            }
            if (results.Count == 0)
            {
                throw new PathFailedException("every member of the union failed");
            }
            var merged = results[^1].Value;
            for (var i = results.Count - 2; i >= 0; i--)
            {
                Profiler.OnMerge();
                merged = Merger.Merge(results[i].Guard, results[i].Value, merged);
            }
            return merged;
        }
        finally
        {
            Profiler.Exit(site);
        }
    }

    /// <summary>Runs <paramref name="body"/> once per member of <paramref name="union"/>, under its guard.</summary>
    public static void ForAll<T>(Union<T> union, Action<T> body,
        [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(body);
        ForAll(union, v =>
        {
            body(v);
            return 0;
        }, member, file, line);
    }

    /// <summary>
    /// Evaluates <paramref name="body"/> in a fresh scope and checks that its assertions hold on every path that
    /// satisfies the assumptions (its own and those of enclosing scopes).
    /// </summary>
    public static VerifyResult Verify(Action body, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var conditions = WithVc(body);
        return Verify(conditions, options, cancellationToken);
    }

    /// <summary>Checks that <paramref name="claim"/> holds whenever the current assumptions do.</summary>
    public static VerifyResult Verify(Bool claim, VerifyOptions? options = null, CancellationToken cancellationToken = default) =>
        Verify(() => Assert(claim, "claim"), options, cancellationToken);

    /// <summary>Checks recorded verification conditions: do the assertions follow from the assumptions?</summary>
    public static VerifyResult Verify(VerificationConditions conditions, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var assumed = (_vc?.Assumed ?? Bool.True) & conditions.Assumed;
        var query = assumed & !conditions.Asserted;
        var result = Check([query.ToTerm()], options, cancellationToken);
        switch (result.Status)
        {
            case SolverStatus.Unsat:
                return new VerifyResult(VerifyOutcome.Proved, null, [], null, result);
            case SolverStatus.Sat:
                var model = result.Model!;
                var violated = conditions.Assertions.Where(a => model.Evaluate(a.Condition).IsFalse).ToList();
                return new VerifyResult(VerifyOutcome.Counterexample, model, violated, null, result);
            default:
                return new VerifyResult(VerifyOutcome.Unknown, null, [], result.Reason, result);
        }
    }

    /// <summary>
    /// Evaluates <paramref name="body"/> in a fresh scope and looks for values satisfying its assumptions and
    /// assertions together (and those of enclosing scopes).
    /// </summary>
    public static SolverResult Solve(Action body, VerifyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var conditions = WithVc(body);
        var query = (_vc?.Assumed ?? Bool.True) & conditions.Assumed & conditions.Asserted;
        return Check([query.ToTerm()], options, cancellationToken);
    }

    /// <summary>Looks for values satisfying <paramref name="constraint"/> and the current assumptions.</summary>
    public static SolverResult Solve(Bool constraint, VerifyOptions? options = null, CancellationToken cancellationToken = default) =>
        Solve(() => Assert(constraint, "constraint"), options, cancellationToken);

    private static SolverResult Check(IReadOnlyList<Term> assertions, VerifyOptions? options, CancellationToken cancellationToken)
    {
        options ??= new VerifyOptions();
        if (options.DumpPath is not null)
        {
            File.WriteAllText(options.DumpPath, SmtWriter.Script(assertions, SmtDialect.Standard));
        }
        var solver = options.Solver ?? SolverPool.Default;
        var result = solver.Check(assertions, options.Timeout, cancellationToken);
        Profiler.OnSolver(result.Elapsed);
        return result;
    }

    private static (bool Ok, T? Result) RunBranch<T>(Bool guard, Func<T> body)
    {
        var (savedPc, savedHas) = (_pathCondition, _hasPathCondition);
        var pc = PathCondition & guard;
        if (pc.IsFalse)
        {
            return (false, default);
        }
        _pathCondition = pc;
        _hasPathCondition = true;
        try
        {
            return (true, body());
        }
        catch (PathFailedException)
        {
            return (false, default);
        }
        finally
        {
            (_pathCondition, _hasPathCondition) = (savedPc, savedHas);
        }
    }
}
