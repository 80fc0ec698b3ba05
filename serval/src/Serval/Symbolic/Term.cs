using System.Numerics;
using Serval.Profiling;

namespace Serval.Symbolic;

/// <summary>
/// A node of the term DAG: an operator applied to argument terms. Terms are immutable and hash-consed: building the
/// same operator over the same arguments twice returns the same object, so reference equality is structural equality.
/// Build terms with the static methods (<see cref="Add"/>, <see cref="Ite"/>, …), which fold constants and apply
/// algebraic simplifications; the typed values <see cref="Bool"/> and <see cref="BitVec"/> call them.
/// </summary>
public sealed partial class Term
{
    private static readonly HashSet<Term> Table = new(StructuralComparer.Instance);
    private static readonly Lock TableLock = new();
    private static long _nextId;
    private static long _freshCounter;

    private readonly Term[] _args;
    private readonly Term[] _bound;
    private readonly int _hash;

    private Term(Op op, Sort sort, Term[] args, BigInteger value = default, string? name = null, Function? function = null,
        int high = 0, int low = 0, Term[]? bound = null)
    {
        Op = op;
        Sort = sort;
        _args = args;
        Value = value;
        Name = name;
        Function = function;
        High = high;
        Low = low;
        _bound = bound ?? [];
        var hash = new HashCode();
        hash.Add(op);
        hash.Add(sort.Width);
        foreach (var arg in args)
        {
            hash.Add(arg._hash);
        }
        hash.Add(value);
        hash.Add(name);
        hash.Add(function?.Id);
        hash.Add(high);
        hash.Add(low);
        foreach (var variable in _bound)
        {
            hash.Add(variable._hash);
        }
        _hash = hash.ToHashCode();
    }

    /// <summary>The operator at the root.</summary>
    public Op Op { get; }

    /// <summary>The term's sort.</summary>
    public Sort Sort { get; }

    /// <summary>The arguments (empty for constants and variables; the body for quantifiers).</summary>
    public ReadOnlySpan<Term> Args => _args;

    /// <summary>The number of arguments.</summary>
    public int Arity => _args.Length;

    /// <summary>The argument at <paramref name="index"/>.</summary>
    public Term this[int index] => _args[index];

    /// <summary>A constant's value: 0 or 1 for booleans, the unsigned value for bitvectors.</summary>
    public BigInteger Value { get; }

    /// <summary>A variable's name.</summary>
    public string? Name { get; }

    /// <summary>The function an <see cref="Op.Apply"/> term applies.</summary>
    public Function? Function { get; }

    /// <summary>The high bit of an <see cref="Op.Extract"/>, or the number of bits an extension adds.</summary>
    public int High { get; }

    /// <summary>The low bit of an <see cref="Op.Extract"/>.</summary>
    public int Low { get; }

    /// <summary>A quantifier's bound variables.</summary>
    public ReadOnlySpan<Term> Bound => _bound;

    /// <summary>A process-unique number in creation order (arguments have smaller ids than the terms using them).</summary>
    public long Id { get; private set; }

    /// <summary>Whether this is a constant.</summary>
    public bool IsConst => Op == Op.Const;

    /// <summary>Whether this is the boolean constant true.</summary>
    public bool IsTrue => Op == Op.Const && Sort.IsBool && !Value.IsZero;

    /// <summary>Whether this is the boolean constant false.</summary>
    public bool IsFalse => Op == Op.Const && Sort.IsBool && Value.IsZero;

    /// <summary>The bitvector width (0 for booleans).</summary>
    public int Width => Sort.Width;

    /// <summary>The number of distinct terms built so far in this process.</summary>
    public static long Count => Interlocked.Read(ref _nextId);

    /// <summary>The boolean constant true.</summary>
    public static Term True { get; } = Intern(new Term(Op.Const, Sort.Bool, [], BigInteger.One));

    /// <summary>The boolean constant false.</summary>
    public static Term False { get; } = Intern(new Term(Op.Const, Sort.Bool, [], BigInteger.Zero));

    /// <summary>The boolean constant <paramref name="value"/>.</summary>
    public static Term BoolConst(bool value) => value ? True : False;

    /// <summary>The bitvector constant <paramref name="value"/> modulo 2^<paramref name="width"/>.</summary>
    public static Term BvConst(BigInteger value, int width) =>
        Intern(new Term(Op.Const, Sort.BitVec(width), [], BitMath.Normalize(value, width)));

    /// <summary>The bitvector constant <paramref name="value"/> modulo 2^<paramref name="width"/>.</summary>
    public static Term BvConst(ulong value, int width) =>
        Intern(new Term(Op.Const, Sort.BitVec(width), [], width >= 64 ? value : value & BitMath.Mask64(width)));

    /// <summary>
    /// The free variable named <paramref name="name"/> of sort <paramref name="sort"/>; the same name and sort always
    /// give the same variable. Do not use one name with two sorts in one query (prefer <see cref="Fresh"/>).
    /// </summary>
    public static Term Var(string name, Sort sort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(sort);
        return Intern(new Term(Op.Var, sort, [], name: name));
    }

    /// <summary>A new variable, distinct from every other, named <paramref name="prefix"/> plus a unique suffix.</summary>
    public static Term Fresh(string prefix, Sort sort) =>
        Var($"{prefix}${Interlocked.Increment(ref _freshCounter)}", sort);

    /// <summary>The term in SMT-LIB2 syntax, without sharing, cut at a few thousand characters.</summary>
    public override string ToString() => TermPrinter.Print(this, 4096);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    private static Term Intern(Term candidate)
    {
        lock (TableLock)
        {
            if (Table.TryGetValue(candidate, out var existing))
            {
                return existing;
            }
            candidate.Id = ++_nextId;
            Table.Add(candidate);
            Profiler.OnTermCreated();
            return candidate;
        }
    }

    private sealed class StructuralComparer : IEqualityComparer<Term>
    {
        public static readonly StructuralComparer Instance = new();

        public bool Equals(Term? x, Term? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }
            if (x is null || y is null || x._hash != y._hash || x.Op != y.Op || x.Sort != y.Sort || x.High != y.High
                || x.Low != y.Low || x.Function != y.Function || x.Name != y.Name || x.Value != y.Value
                || x._args.Length != y._args.Length || x._bound.Length != y._bound.Length)
            {
                return false;
            }
            for (var i = 0; i < x._args.Length; i++)
            {
                if (!ReferenceEquals(x._args[i], y._args[i]))
                {
                    return false;
                }
            }
            for (var i = 0; i < x._bound.Length; i++)
            {
                if (!ReferenceEquals(x._bound[i], y._bound[i]))
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(Term obj) => obj._hash;
    }
}
