# The linear-probe protocol of HSSAKD's transfer study, read by tools/linear_probe.py --dataset: a linear layer
# on the frozen network's pooled features, trained 100 epochs with SGD (lr 0.1, momentum 0.9, no weight
# decay, x0.1 at epochs 30 / 60 / 90) on batches of 64 augmented images (the dataset's train pipeline,
# re-embedded every epoch); augment=False embeds each image once with the test pipeline instead (faster).
linear_probe = dict(
    epochs=100, lr=0.1, momentum=0.9, weight_decay=0.0, milestones=[30, 60, 90], gamma=0.1, batch_size=64, augment=True
)
