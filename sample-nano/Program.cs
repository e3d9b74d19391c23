using System.Diagnostics;
using System.Threading;

namespace SampleNano
{
    /// <summary>
    /// Firmware entry point: classifies a handwritten 8×8 digit with the baked CNN (class DigitsCnn, generated at build
    /// time from ../sample-app/models/digits_cnn.onnx) and prints the answer to the debug output.
    /// </summary>
    public static class Program
    {
        // Row 0 of the digits test set (sample-app/data/digits_test_x.npy), labelled 6: pixel intensities 0..16 scaled to 0..1.
        private static readonly float[] Six =
        {
            0f, 0f, 0f, 0.875f, 0.9375f, 0.0625f, 0f, 0f,
            0f, 0f, 0.375f, 1f, 0.6875f, 0f, 0f, 0f,
            0f, 0f, 0.8125f, 0.9375f, 0.125f, 0f, 0f, 0f,
            0f, 0f, 1f, 0.75f, 0f, 0f, 0f, 0f,
            0f, 0.1875f, 1f, 1f, 1f, 0.625f, 0.0625f, 0f,
            0f, 0.125f, 1f, 0.75f, 0.25f, 0.6875f, 0.75f, 0f,
            0f, 0f, 0.625f, 0.875f, 0.375f, 0.875f, 0.9375f, 0f,
            0f, 0f, 0.0625f, 0.8125f, 1f, 1f, 0.625f, 0f,
        };

        public static void Main()
        {
            var scores = new float[DigitsCnn.OutputLength];
            DigitsCnn.Predict(Six, scores);
            Debug.WriteLine("digit: " + ArgMax(scores).ToString() + " (ArenaBytes " + DigitsCnn.ArenaBytes.ToString() + ", WeightBytes " + DigitsCnn.WeightBytes.ToString() + ")");
            Thread.Sleep(Timeout.Infinite);
        }

        private static int ArgMax(float[] values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
                if (values[i] > values[best]) best = i;
            return best;
        }
    }
}
