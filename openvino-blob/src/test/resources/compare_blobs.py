# Compares two torch.save blobs with torch itself: same keys in the same order, same value
# types, tensors of the same dtype, shape and values. Argument 3: "safe" loads the second blob
# with weights_only=True. Exits non-zero with a message on the first difference.
import sys
import torch

def load(path, safe):
    return torch.load(path, weights_only=safe)

def same(a, b, where):
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where + ": tensor became " + type(b).__name__
        assert a.dtype == b.dtype, "%s: dtype %s != %s" % (where, a.dtype, b.dtype)
        assert a.shape == b.shape, "%s: shape %s != %s" % (where, a.shape, b.shape)
        assert torch.equal(a, b), where + ": values differ"
        return
    assert type(a) == type(b), "%s: type %s != %s" % (where, type(a).__name__, type(b).__name__)
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), "%s: keys %s != %s" % (where, list(a.keys()), list(b.keys()))
        for k in a:
            same(a[k], b[k], where + "." + str(k))
    else:
        assert a == b, "%s: %r != %r" % (where, a, b)

original = load(sys.argv[1], False)
ours = load(sys.argv[2], sys.argv[3] == "safe")
same(original, ours, "blob")
print("OK", len(ours))
