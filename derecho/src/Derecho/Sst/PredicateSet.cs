namespace Derecho.Sst;

/// <summary>
/// Predicates over the table with their triggers, as in Derecho's SST: a one-time predicate fires once and is
/// removed, a recurrent one fires every evaluation it holds, a transition one fires when it turns from false to
/// true. <see cref="Evaluate"/> runs after a batch of updates and repeats until no trigger fires, so triggers that
/// enable one another run in the same batch.
/// </summary>
internal sealed class PredicateSet
{
    private const int MaxRounds = 64;
    private readonly List<Entry> _entries = [];

    public void AddOneTime(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.OneTime, predicate, trigger));

    public void AddRecurrent(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.Recurrent, predicate, trigger));

    public void AddTransition(Func<bool> predicate, Action trigger) => _entries.Add(new Entry(PredicateKind.Transition, predicate, trigger));

    /// <summary>Evaluates every predicate and runs the triggers that fire, until none fires (or a bound is reached).</summary>
    /// <param name="stop">Checked between predicates; true ends the evaluation (the member stopped).</param>
    public void Evaluate(Func<bool> stop)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var fired = false;
            for (var i = 0; i < _entries.Count && !stop(); i++)
            {
                var entry = _entries[i];
                var holds = entry.Predicate();
                var fires = entry.Kind switch
                {
                    PredicateKind.Transition => holds && !entry.Held,
                    _ => holds,
                };
                entry.Held = holds;
                if (!fires)
                {
                    continue;
                }
                if (entry.Kind == PredicateKind.OneTime)
                {
                    _entries.RemoveAt(i--);
                }
                entry.Trigger();
                fired = true;
            }
            if (!fired || stop())
            {
                return;
            }
        }
    }

    private enum PredicateKind
    {
        OneTime,
        Recurrent,
        Transition,
    }

    private sealed class Entry(PredicateKind kind, Func<bool> predicate, Action trigger)
    {
        public PredicateKind Kind { get; } = kind;

        public Func<bool> Predicate { get; } = predicate;

        public Action Trigger { get; } = trigger;

        public bool Held { get; set; }
    }
}
