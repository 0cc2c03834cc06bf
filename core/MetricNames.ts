/**
 * The metric names of the Python toolkit as constants (`MEAN_SQUARED_ERROR_MSE`), so its code ports
 * unchanged. Directions and operators are in `Metric.table`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category constants
 */
export const CUSTOM_UQ = "custom_uq"

/**
 * @since 0.1.0
 * @category constants
 */
export const PREDICTIVE_ENTROPY = "predictive_entropy"

/**
 * @since 0.1.0
 * @category constants
 */
export const MUTUAL_INFORMATION = "mutual_information"

/**
 * @since 0.1.0
 * @category constants
 */
export const VARIATION_RATIO = "variation_ratio"

/**
 * @since 0.1.0
 * @category constants
 */
export const MARGIN = "margin"

/**
 * @since 0.1.0
 * @category constants
 */
export const PREDICTIVE_VARIANCE = "predictive_variance"

/**
 * @since 0.1.0
 * @category constants
 */
export const PREDICTIVE_INTERVAL_WIDTH = "predictive_interval_width"

/**
 * @since 0.1.0
 * @category constants
 */
export const NEGATIVE_LOG_LIKELIHOOD = "negative_log_likelihood"

/**
 * @since 0.1.0
 * @category constants
 */
export const LABELING_COST = "labeling_cost"

/**
 * @since 0.1.0
 * @category constants
 */
export const UNCERTAINTY = "uncertainty"

/**
 * @since 0.1.0
 * @category constants
 */
export const SAMPLING_BIAS = "sampling_bias"

/**
 * @since 0.1.0
 * @category constants
 */
export const CLASS_DISTRIBUTION_SHIFT = "class_distribution_shift"

/**
 * @since 0.1.0
 * @category constants
 */
export const NUMBER_OF_ITERATIONS = "number_of_iterations"

/**
 * @since 0.1.0
 * @category constants
 */
export const TIME_TO_CONVERGENCE = "time_to_convergence"

/**
 * @since 0.1.0
 * @category constants
 */
export const MODEL_COMPLEXITY = "model_complexity"

/**
 * @since 0.1.0
 * @category constants
 */
export const DATA_LABELING_REDUNDANCY = "data_labeling_redundancy"

/**
 * @since 0.1.0
 * @category constants
 */
export const GENERALIZATION_ERROR = "generalization_error"

/**
 * @since 0.1.0
 * @category constants
 */
export const LEARNING_RATE = "learning_rate"

/**
 * @since 0.1.0
 * @category constants
 */
export const TRAINING_TIME = "training_time"

/**
 * @since 0.1.0
 * @category constants
 */
export const CONFIDENCE_INTERVAL_WIDTH = "confidence_interval_width"

/**
 * @since 0.1.0
 * @category constants
 */
export const OVERFITTING = "overfitting"

/**
 * @since 0.1.0
 * @category constants
 */
export const MEAN_SQUARED_ERROR_MSE = "mean_squared_error_mse"

/**
 * @since 0.1.0
 * @category constants
 */
export const QUERY_EFFICIENCY = "query_efficiency"

/**
 * @since 0.1.0
 * @category constants
 */
export const DIVERSITY_OF_SELECTED_SAMPLES = "diversity_of_selected_samples"

/**
 * @since 0.1.0
 * @category constants
 */
export const QUERY_REDUCTION = "query_reduction"

/**
 * @since 0.1.0
 * @category constants
 */
export const AREA_UNDER_LEARNING_CURVE_AUC = "area_under_learning_curve_auc"

/**
 * @since 0.1.0
 * @category constants
 */
export const EXPECTED_MODEL_IMPROVEMENT_EMI = "expected_model_improvement_emi"

/**
 * @since 0.1.0
 * @category constants
 */
export const PREDICTION_CONFIDENCE = "prediction_confidence"

/**
 * @since 0.1.0
 * @category constants
 */
export const CUMULATIVE_ERROR_REDUCTION = "cumulative_error_reduction"

/**
 * @since 0.1.0
 * @category constants
 */
export const QUERY_SELECTION_STRATEGY_PERFORMANCE = "query_selection_strategy_performance"

/**
 * @since 0.1.0
 * @category constants
 */
export const F1_SCORE = "f1_score"

/**
 * @since 0.1.0
 * @category constants
 */
export const PRECISION = "precision"

/**
 * @since 0.1.0
 * @category constants
 */
export const RECALL = "recall"

/**
 * @since 0.1.0
 * @category constants
 */
export const INFORMATION_GAIN = "information_gain"

/**
 * @since 0.1.0
 * @category constants
 */
export const ACTIVE_LEARNING_EFFICIENCY = "active_learning_efficiency"

/**
 * @since 0.1.0
 * @category constants
 */
export const EXPLORATION_VS_EXPLOITATION = "exploration_vs_exploitation"

/**
 * @since 0.1.0
 * @category constants
 */
export const MODEL_ACCURACY = "model_accuracy"

/**
 * @since 0.1.0
 * @category operators
 */
export const LESS_THAN_THRESHOLD = "<"

/**
 * @since 0.1.0
 * @category operators
 */
export const GREATER_THAN_THRESHOLD = ">"

/**
 * @since 0.1.0
 * @category operators
 */
export const LESS_THAN_OR_EQUAL_TO_THRESHOLD = "<="

/**
 * @since 0.1.0
 * @category operators
 */
export const GREATER_THAN_OR_EQUAL_TO_THRESHOLD = ">="

/**
 * @since 0.1.0
 * @category operators
 */
export const EQUAL_TO_THRESHOLD = "=="

/**
 * @since 0.1.0
 * @category operators
 */
export const NOT_EQUAL_TO_THRESHOLD = "!="
