"""The core of sklearn-onnx's KNeighborsClassifier model without its ai.onnx.ml nodes, as a conformance case.

Usage (from the repository root):
  /usr/bin/python3 build/make_knn_core.py /work/shared/realmodels/skl_KNeighborsClassifierMulti/model.onnx \
      tests/data/realmodels/skl_KNeighborsClassifierMulti_core

Its ArrayFeatureExtractor nodes read 1-D data, where they are Gather along axis 0; the OneHotEncoder, ReduceMean and
ZipMap tail (another family's operators) is dropped. Outputs: the label, the per-class votes and the top-5 negated
distances, computed here with numpy (data set 0's label is also checked against ONNX Runtime's in the source case).
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

src, out = sys.argv[1], sys.argv[2]
g = onnx.load(src).graph
nodes = []
for n in g.node:
    if n.op_type == 'ArrayFeatureExtractor':
        nodes.append(helper.make_node('Gather', list(n.input), list(n.output), axis=0))
    elif n.op_type not in ('OneHotEncoder', 'ReduceMean', 'ZipMap'):
        nodes.append(n)
# The converter lists its initializers as graph inputs too (IR 3): keep only the real input.
inits = list(g.initializer)
init_names = {i.name for i in inits}
inputs = [i for i in g.input if i.name not in init_names]
outputs = [helper.make_tensor_value_info('label', onnx.TensorProto.INT64, [1]),
           helper.make_tensor_value_info('concat_labels', onnx.TensorProto.INT32, [3, 1]),
           helper.make_tensor_value_info('topk_values', onnx.TensorProto.FLOAT, [1, 5])]
model = helper.make_model(helper.make_graph(nodes, 'knn_core', inputs, outputs, inits),
                          opset_imports=[helper.make_opsetid('', 9)])
model.ir_version = 6
onnx.checker.check_model(model)
os.makedirs(out, exist_ok=True)
onnx.save(model, os.path.join(out, 'model.onnx'))
I = {i.name: numpy_helper.to_array(i) for i in inits}


def data_set(n, x):
    folder = os.path.join(out, 'test_data_set_%d' % n)
    os.makedirs(folder, exist_ok=True)
    d = (np.abs(x - I['training_examples']) ** I['distance_power']).sum(axis=1).reshape(I['shape_tensor']) * I['negate']
    order = sorted(range(d.shape[1]), key=lambda j: (-d[0, j], j))[:5]  # ties: lower index first
    labels = I['training_labels'][order]
    votes = np.array([[(labels == I['class_labels_%d' % c]).sum()] for c in range(3)], dtype=np.int32)
    label = I['classes'][[int(np.argmax(votes))]].astype(np.int64)
    if n == 0:
        expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(os.path.dirname(src), 'test_data_set_0', 'output_0.pb')))
        assert (expected == label).all(), (expected, label)
    with open(os.path.join(folder, 'input_0.pb'), 'wb') as f:
        f.write(numpy_helper.from_array(x, inputs[0].name).SerializeToString())
    for i, (o, r) in enumerate(zip(outputs, [label, votes, d[:, order].astype(np.float32)])):
        with open(os.path.join(folder, 'output_%d.pb' % i), 'wb') as f:
            f.write(numpy_helper.from_array(np.asarray(r), o.name).SerializeToString())


data_set(0, numpy_helper.to_array(onnx.load_tensor(os.path.join(os.path.dirname(src), 'test_data_set_0', 'input_0.pb'))))
# A point among the training examples of the last class, so the vote is not unanimous for class 0.
data_set(1, (I['training_examples'][I['training_labels'] == 2][:1] + 0.05).astype(np.float32))
